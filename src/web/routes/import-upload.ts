/**
 * The upload of an Enedis export file on a meter's page: `POST /devices/:id/import`, the file's bytes as
 * `application/octet-stream` (name in `X-File-Name`, URI-encoded), the CSRF token in `X-CSRF-Token`.
 * At most `MAX_UPLOAD_BYTES` (said on the page, checked by the page before sending, and by the server).
 * The file goes through the same import as `linky-dataconnect import` (`import/service.ts`), into this
 * meter only; the answer is JSON with a French message. The page's script shows the upload's progress.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { FileImportReport } from "../../import/file-import.js";
import { importFile } from "../../import/service.js";
import { ImportRefusal } from "../../import/text.js";
import type { User } from "../../store/index.js";
import type { WebDeps } from "../app.js";
import { idParam, notFound } from "../http.js";

export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const MAX_UPLOAD_LABEL = "20 Mo";

const DATASET_FR: Record<string, string> = {
  consumption_load_curve: "courbe de charge",
  daily_consumption: "consommation quotidienne",
  daily_consumption_max_power: "puissance maximale quotidienne",
};

function frenchReport(r: FileImportReport): string {
  const parts = [
    `${r.readings} mesure(s) lue(s) (${DATASET_FR[r.dataset] ?? r.dataset})`,
    `${r.stored} enregistrée(s)`,
    `${r.unchanged} déjà présente(s)`,
  ];
  if (r.missing) parts.push(`${r.missing} manquante(s) dans le fichier`);
  let text = `Fichier importé : ${parts.join(", ")}.`;
  if (r.conflicts.count)
    text += ` ${r.conflicts.count} valeur(s) diffèrent des données d'Enedis déjà enregistrées, qui sont gardées (premiers jours : ${r.conflicts.firstDays.join(", ")}).`;
  if (r.stored === 0 && r.conflicts.count === 0) text += " Rien n'a changé.";
  return text;
}

/** The page's upload script: size check, progress bar, answer. */
const UPLOAD_SCRIPT = `(() => {
  const form = document.getElementById("import-form");
  if (!form) return;
  const input = document.getElementById("import-file");
  const bar = document.getElementById("import-progress");
  const status = document.getElementById("import-status");
  const max = Number(form.dataset.max);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const file = input.files && input.files[0];
    if (!file) { status.textContent = "Choisissez d'abord un fichier."; return; }
    if (file.size > max) { status.textContent = "Fichier trop volumineux : " + form.dataset.maxLabel + " au plus."; return; }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.setRequestHeader("x-csrf-token", form.dataset.csrf);
    xhr.setRequestHeader("x-file-name", encodeURIComponent(file.name));
    bar.hidden = false; bar.value = 0;
    status.textContent = "Envoi en cours…";
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100); };
    xhr.upload.onload = () => { bar.removeAttribute("value"); status.textContent = "Import en cours…"; };
    xhr.onload = () => {
      bar.hidden = true;
      let msg = "Réponse inattendue du serveur (" + xhr.status + ").";
      try { msg = JSON.parse(xhr.responseText).message || msg; } catch (e) {}
      if (xhr.status === 413) msg = "Fichier trop volumineux : " + form.dataset.maxLabel + " au plus.";
      if (xhr.status === 403) msg = "Le formulaire a expiré : rechargez la page et recommencez.";
      status.textContent = msg;
    };
    xhr.onerror = () => { bar.hidden = true; status.textContent = "L'envoi a échoué : vérifiez la connexion et recommencez."; };
    xhr.send(file);
  });
})();
`;

export const IMPORT_SCRIPT_PATH = `/static/upload-${createHash("sha256").update(UPLOAD_SCRIPT).digest("hex").slice(0, 12)}.js`;

export function registerImportUploadRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { guards } = deps;
  const { store, now } = deps.ctx;

  app.get(IMPORT_SCRIPT_PATH, async (_request, reply) =>
    reply
      .type("text/javascript; charset=utf-8")
      .header("cache-control", "public, max-age=31536000, immutable")
      .send(UPLOAD_SCRIPT),
  );

  app.register(async (scope) => {
    scope.addContentTypeParser(
      "application/octet-stream",
      { parseAs: "buffer", bodyLimit: MAX_UPLOAD_BYTES },
      (_request, body, done) => done(null, body),
    );
    scope.post(
      "/devices/:id/import",
      { bodyLimit: MAX_UPLOAD_BYTES, preHandler: [guards.user, app.csrfProtection] },
      async (request, reply) => {
        const user = request.user as User;
        const device = await store.devices.findById(idParam(request));
        if (!device || device.userId !== user.id) throw notFound();
        if (!Buffer.isBuffer(request.body))
          return reply
            .code(415)
            .send({ ok: false, message: "Envoyez le fichier lui-même (application/octet-stream)." });
        let name = "";
        try {
          name = decodeURIComponent(String(request.headers["x-file-name"] ?? ""));
        } catch {
          name = "";
        }
        try {
          const reports = await importFile(store, request.body, name, {
            usagePointId: device.mac,
            deviceId: device.id,
            nowMs: now(),
          });
          return reply.send({ ok: true, message: reports.map(frenchReport).join(" "), reports });
        } catch (e) {
          if (!(e instanceof ImportRefusal)) throw e;
          const where = e.line === null ? "" : `ligne ${e.line} : `;
          return reply.code(422).send({
            ok: false,
            message: `Fichier refusé, rien n'a été enregistré. ${where}${e.reason}.`,
            line: e.line,
          });
        }
      },
    );
  });
}
