/** HTML helpers for the simulator's pages: everything interpolated goes through `esc`. */

export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2b36}
h1{font-size:1.4rem;color:#1423dc}code{background:#eef;padding:0 .2rem}
.box{border:1px solid #ccd;border-radius:6px;padding:1rem;margin:1rem 0}
.warn{color:#a40}.err{color:#b00;font-weight:bold}
button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}
table{border-collapse:collapse}td,th{border-bottom:1px solid #dde;padding:.2rem .6rem;text-align:left}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}
