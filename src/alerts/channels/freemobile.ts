/**
 * Free Mobile's SMS API (the seed's `FreeMobileNotificationSender`): each Free Mobile subscriber switches
 * on "Notifications par SMS" in their customer space and gets a key; the API then sends SMS to their own
 * line only: `GET <base>/sendmsg?user=<login>&pass=<key>&msg=<text>`. So the login and key are the
 * user's (recipient settings, encrypted), and the admin only enables the channel.
 *
 * Answers (Free Mobile's documentation): 200 sent; 400 a parameter is missing; 402 too many SMS in a
 * short time; 403 service not enabled, or wrong login or key; 500 server error. 402 and 500 are retried
 * later; 400 and 403 are not (the user must fix their settings).
 * An SMS cannot be recognised as a repeat by the phone: see the README on "exactly once".
 */
import { z } from "zod";
import { ChannelError, plainText, type Channel } from "./types.js";

export const FREE_MOBILE_URL = "https://smsapi.free-mobile.fr";
/** Free Mobile cuts longer messages; keep the title, the start of the body and the link. */
const MAX_CHARS = 900;

const configSchema = z
  .object({
    baseUrl: z.string().url("l'adresse de l'API doit être une URL http(s)"),
  })
  .strict();

export type FreeMobileConfig = z.infer<typeof configSchema>;

/** The SMS text: the plain message, shortened to what Free Mobile accepts. */
export function smsText(text: string): string {
  return text.length <= MAX_CHARS ? text : `${text.slice(0, MAX_CHARS - 1)}…`;
}

export const freeMobileChannel: Channel<FreeMobileConfig> = {
  key: "freemobile",
  label: "SMS Free Mobile",
  aliases: [
    "smarthome.automation.notification.FreeMobileNotificationSender",
    "FreeMobileNotificationSender",
    // The seed's generic SMS sender: the SMS channel this application has is Free Mobile's.
    "smarthome.automation.notification.SmsNotificationSender",
    "SmsNotificationSender",
  ],
  description:
    "Envoie les alertes par SMS aux abonnés Free Mobile, avec l'identifiant et la clé de l'option « Notifications par SMS » que chacun indique.",
  fields: [
    {
      name: "baseUrl",
      label: "Adresse de l'API",
      type: "url",
      placeholder: FREE_MOBILE_URL,
      defaultValue: FREE_MOBILE_URL,
      hint: "Laisser la valeur par défaut, sauf pour un essai.",
    },
  ],
  configSchema,
  secretFields: [],
  recipientFields: [
    { name: "user", label: "Identifiant Free Mobile", type: "text", required: true },
    {
      name: "pass",
      label: "Clé d'identification (option « Notifications par SMS »)",
      type: "secret",
      required: true,
      secret: true,
    },
  ],
  checkRecipient: (v) =>
    /^\d{6,12}$/.test(v.user ?? "")
      ? null
      : "L'identifiant Free Mobile est le numéro de compte (chiffres) de l'espace abonné.",

  async send({ config, recipient, alert }, deps) {
    if (!recipient.user || !recipient.pass)
      throw new ChannelError(
        "Identifiant ou clé Free Mobile manquant : complétez-les dans vos réglages d'alertes.",
        true,
        false,
      );
    const url = new URL("/sendmsg", config.baseUrl);
    url.searchParams.set("user", recipient.user);
    url.searchParams.set("pass", recipient.pass);
    url.searchParams.set("msg", smsText(plainText(alert)));
    let status: number;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(deps.timeoutMs) });
      status = res.status;
      await res.body?.cancel();
    } catch {
      // Never the URL in a message: it carries the user's key.
      throw new ChannelError(
        "L'API SMS de Free Mobile est injoignable ; nouvel essai plus tard.",
        false,
        true,
      );
    }
    switch (status) {
      case 200:
        return;
      case 400:
        throw new ChannelError(
          "Free Mobile répond qu'un paramètre manque (400) : l'identifiant ou la clé est vide.",
          true,
          false,
        );
      case 402:
        throw new ChannelError(
          "Free Mobile refuse pour l'instant : trop de SMS envoyés en peu de temps (402) ; nouvel essai plus tard.",
          false,
          false,
        );
      case 403:
        throw new ChannelError(
          "Free Mobile refuse (403) : l'option « Notifications par SMS » n'est pas activée dans l'espace abonné, ou l'identifiant ou la clé est faux.",
          true,
          false,
        );
      case 500:
        throw new ChannelError(
          "Erreur du serveur de Free Mobile (500) ; nouvel essai plus tard.",
          false,
          true,
        );
      default:
        throw new ChannelError(
          `Réponse inattendue de Free Mobile (${status}) ; nouvel essai plus tard.`,
          false,
          true,
        );
    }
  },
};
