/**
 * E-mail over SMTP (the seed's `EmailNotificationSender`), with nodemailer: STARTTLS (587), implicit TLS
 * (465) or plain (a local relay), optional authentication. The Message-ID is the delivery key, so a
 * message sent again after a crash carries the same id and a mail system (or the reader's client) can drop
 * it. The summary e-mail carries its chart as an inline PNG (`cid:chart@linky`).
 */
import nodemailer from "nodemailer";
import { z } from "zod";
import { renderSummaryHtml, summaryChartPng } from "../summary-message.js";
import { ChannelError, plainText, type Channel } from "./types.js";

const configSchema = z
  .object({
    host: z.string().min(1, "l'adresse du serveur SMTP est obligatoire").max(255),
    port: z.number().int().min(1).max(65535),
    security: z.enum(["starttls", "tls", "none"]),
    username: z.string().max(255).optional(),
    from: z.string().email("l'expéditeur doit être une adresse e-mail"),
    /** Accept a certificate that does not check (a self-signed relay on the local network). */
    allowInvalidCertificate: z.boolean(),
  })
  .strict();

export type EmailConfig = z.infer<typeof configSchema>;

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A nodemailer error's SMTP reply code and error code, when it has them. */
function smtpError(e: unknown): { responseCode?: number; code?: string; message: string } {
  const o = (typeof e === "object" && e !== null ? e : {}) as Record<string, unknown>;
  return {
    ...(typeof o.responseCode === "number" && { responseCode: o.responseCode }),
    ...(typeof o.code === "string" && { code: o.code }),
    message: e instanceof Error ? e.message : String(e),
  };
}

export const emailChannel: Channel<EmailConfig> = {
  key: "email",
  label: "E-mail (SMTP)",
  aliases: ["smarthome.automation.notification.EmailNotificationSender", "EmailNotificationSender"],
  description: "Envoie les alertes par e-mail à l'adresse que chaque utilisateur indique.",
  fields: [
    { name: "host", label: "Serveur SMTP", type: "text", placeholder: "smtp.example.org" },
    { name: "port", label: "Port", type: "number", placeholder: "587", defaultValue: "587" },
    {
      name: "security",
      label: "Chiffrement",
      type: "select",
      defaultValue: "starttls",
      options: [
        { value: "starttls", label: "STARTTLS (port 587)" },
        { value: "tls", label: "TLS dès la connexion (port 465)" },
        { value: "none", label: "Aucun (relais local seulement)" },
      ],
    },
    { name: "username", label: "Identifiant SMTP", type: "text", hint: "Vide : sans authentification." },
    { name: "from", label: "Expéditeur", type: "email", placeholder: "linky@example.org" },
    {
      name: "allowInvalidCertificate",
      label: "Accepter un certificat non vérifiable (relais local auto-signé)",
      type: "checkbox",
    },
  ],
  configSchema,
  secretFields: [{ name: "password", label: "Mot de passe SMTP", type: "secret", required: false }],
  recipientFields: [{ name: "address", label: "Adresse e-mail", type: "email", required: true }],
  checkRecipient: (v) =>
    EMAIL_RE.test(v.address ?? "") ? null : "Indiquez une adresse e-mail valide (nom@exemple.fr).",

  async send({ config, secrets, recipient, alert }, deps) {
    const to = recipient.address;
    if (!to) throw new ChannelError("Aucune adresse e-mail n'est indiquée pour ce canal.", true, false);
    const password = secrets.password;
    const transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.security === "tls",
      requireTLS: config.security === "starttls",
      ignoreTLS: config.security === "none",
      ...(config.username ? { auth: { user: config.username, pass: password ?? "" } } : {}),
      tls: { rejectUnauthorized: !config.allowInvalidCertificate },
      connectionTimeout: deps.timeoutMs,
      greetingTimeout: deps.timeoutMs,
      socketTimeout: deps.timeoutMs,
    });
    const summary = alert.kind === "summary";
    const png = summary ? summaryChartPng(alert.data) : null;
    try {
      await transport.sendMail({
        from: config.from,
        to,
        subject: alert.title,
        messageId: `<${alert.deliveryKey}@linky-dataconnect>`,
        headers: { "X-Linky-Delivery": alert.deliveryKey, "X-Linky-Alert-Kind": alert.kind },
        text: plainText(alert),
        ...(summary ? { html: renderSummaryHtml(alert, png ? "cid:chart@linky" : null) } : {}),
        ...(png
          ? {
              attachments: [
                { filename: "resume.png", content: png, contentType: "image/png", cid: "chart@linky" },
              ],
            }
          : {}),
      });
    } catch (e) {
      const err = smtpError(e);
      if (err.code === "EAUTH")
        throw new ChannelError(
          "Le serveur SMTP refuse l'identifiant ou le mot de passe du connecteur.",
          true,
          true,
        );
      if (err.responseCode !== undefined && err.responseCode >= 500)
        throw new ChannelError(
          `Le serveur SMTP refuse le message (code ${err.responseCode}).`,
          true,
          err.code !== "EENVELOPE",
        );
      if (err.responseCode !== undefined)
        throw new ChannelError(
          `Le serveur SMTP demande de réessayer plus tard (code ${err.responseCode}).`,
          false,
          true,
        );
      if (err.code === "ETLS" || /certificate|self.signed/i.test(err.message))
        throw new ChannelError(
          "La connexion chiffrée au serveur SMTP a échoué (certificat non vérifiable ou TLS refusé).",
          false,
          true,
        );
      throw new ChannelError(
        "Le serveur SMTP est injoignable ou n'a pas répondu à temps ; nouvel essai plus tard.",
        false,
        true,
      );
    } finally {
      transport.close();
    }
  },
};
