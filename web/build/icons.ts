// Draws the app's icons (the logo's key on the brand blue) as PNGs at build time, in the sizes browsers ask for:
// 192 and 512 for Android/Chromium install, 512 "maskable" (full bleed, the key inside the safe circle), 180 for
// iOS home screens and 32 for tabs. Drawn with distance functions and 4×4 supersampling; no image tools needed.
import { PNG } from 'pngjs';

export const BRAND = '#1d4ed8';
const BRAND_RGB = [0x1d, 0x4e, 0xd8] as const;

type Shape = (x: number, y: number) => boolean;

function segment(ax: number, ay: number, bx: number, by: number, half: number): Shape {
  return (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - ax - t * dx, y - ay - t * dy) <= half;
  };
}

/** The key of `Logo.tsx`, in its 24-unit box: a ring at (8,12) r 4 and a shaft with two bits, stroke 2.2. */
const HALF = 1.1;
const KEY: Shape[] = [
  (x, y) => Math.abs(Math.hypot(x - 8, y - 12) - 4) <= HALF,
  segment(12, 12, 21, 12, HALF),
  segment(18, 12, 18, 15, HALF),
  segment(21, 12, 21, 14, HALF),
];

/**
 * @param size edge in pixels
 * @param maskable full-bleed square; otherwise a rounded square on transparency
 */
export function drawIcon(size: number, maskable: boolean): Buffer {
  const png = new PNG({ width: size, height: size });
  // The key spans x 4..22 (18 units): 60 % of the edge, or 45 % for maskable (inside the 80 % safe circle).
  const unit = (size * (maskable ? 0.45 : 0.6)) / 18;
  const ox = size / 2 - 13 * unit;
  const oy = size / 2 - 12 * unit;
  const radius = maskable ? 0 : size * 0.22;
  const inRoundedSquare = (x: number, y: number) => {
    const cx = Math.max(radius, Math.min(size - radius, x));
    const cy = Math.max(radius, Math.min(size - radius, y));
    return Math.hypot(x - cx, y - cy) <= radius;
  };
  const N = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let key = 0;
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const x = px + (sx + 0.5) / N;
          const y = py + (sy + 0.5) / N;
          if (!inRoundedSquare(x, y)) continue;
          bg += 1;
          const kx = (x - ox) / unit;
          const ky = (y - oy) / unit;
          if (kx > 2.8 && kx < 22.2 && ky > 6.8 && ky < 16.2 && KEY.some((s) => s(kx, ky))) key += 1;
        }
      }
      const i = (py * size + px) * 4;
      const white = bg ? key / bg : 0;
      png.data[i] = Math.round(BRAND_RGB[0] + (255 - BRAND_RGB[0]) * white);
      png.data[i + 1] = Math.round(BRAND_RGB[1] + (255 - BRAND_RGB[1]) * white);
      png.data[i + 2] = Math.round(BRAND_RGB[2] + (255 - BRAND_RGB[2]) * white);
      png.data[i + 3] = Math.round((255 * bg) / (N * N));
    }
  }
  return PNG.sync.write(png);
}
