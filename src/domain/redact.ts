/**
 * PRMs (14-digit usage point ids) are personal data: they identify a household's meter. Log lines name
 * accounts by their id instead; as a last guard, every line a log sink writes goes through `withoutPrms`,
 * so that a PRM carried by an error message (an Enedis answer, a path) does not reach the logs either.
 * Epoch milliseconds have 13 digits until the year 2286, so they are not mistaken for PRMs.
 */
const PRM_IN_TEXT = /(?<![0-9])[0-9]{14}(?![0-9])/g;

export function withoutPrms(message: string): string {
  return message.replace(PRM_IN_TEXT, "[PRM]");
}
