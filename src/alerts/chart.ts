/**
 * A small bar chart as a PNG (pngjs), for the summary e-mail: one bar per day of the period (kWh), and a
 * line at the previous period's daily mean. No text in the image (the e-mail says the numbers); pure.
 */
import { PNG } from "pngjs";

export interface BarChartInput {
  /** One value per day (kWh or Wh: any unit, only the proportions matter); null = no data that day. */
  values: readonly (number | null)[];
  /** Drawn as a horizontal line (the previous period's daily mean), or null. */
  reference: number | null;
  width?: number;
  height?: number;
}

type Rgb = readonly [number, number, number];
const BACKGROUND: Rgb = [255, 255, 255];
const BAR: Rgb = [37, 99, 235];
const MISSING: Rgb = [209, 213, 219];
const LINE: Rgb = [234, 88, 12];
const AXIS: Rgb = [107, 114, 128];

export function barChartPng(input: BarChartInput): Buffer {
  const width = input.width ?? 480;
  const height = input.height ?? 160;
  const png = new PNG({ width, height });
  const set = (x: number, y: number, c: Rgb) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 4;
    png.data[i] = c[0];
    png.data[i + 1] = c[1];
    png.data[i + 2] = c[2];
    png.data[i + 3] = 255;
  };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) set(x, y, BACKGROUND);
  const pad = 8;
  const bottom = height - pad;
  const top = pad;
  const n = Math.max(1, input.values.length);
  const known = input.values.filter((v): v is number => v !== null && Number.isFinite(v));
  const max = Math.max(1e-9, ...known, input.reference ?? 0);
  const slot = (width - 2 * pad) / n;
  const barWidth = Math.max(1, Math.floor(slot * 0.7));
  const scale = (v: number) => Math.round(((bottom - top) * Math.max(0, v)) / max);
  input.values.forEach((v, i) => {
    const x0 = Math.round(pad + i * slot + (slot - barWidth) / 2);
    const h = v === null ? 2 : Math.max(1, scale(v));
    const colour = v === null ? MISSING : BAR;
    for (let x = x0; x < x0 + barWidth; x++) for (let y = bottom - h; y < bottom; y++) set(x, y, colour);
  });
  for (let x = pad; x < width - pad; x++) set(x, bottom, AXIS);
  if (input.reference !== null && input.reference > 0) {
    const y = bottom - scale(input.reference);
    for (let x = pad; x < width - pad; x++) if (Math.floor(x / 4) % 2 === 0) set(x, y, LINE);
  }
  return PNG.sync.write(png);
}
