// What the QR code on a camera's or recorder's label says: its serial number and verification code. Vendors write
// it in a few ways; all of these are read:
//   "SN:ABC123456;VC:QWERTY" · "S/N ABC123456, code QWERTY" (keys SN, S/N, serial, DS; VC, RC, code, verification)
//   "ABC123456 QWERTY" · "ABC123456\nQWERTY" (serial first, then the code) · our own "keyholder:device:ABC123456:QWERTY"
export function parseLabelQr(text: string): { serial: string; code: string } | null {
  const own = /^keyholder:device:([A-Za-z0-9-]{4,32}):(\S{1,64})$/i.exec(text.trim());
  if (own) return { serial: own[1]!, code: own[2]! };
  const serial = /(?:^|[\s,;{])(?:SN|S\/N|serial(?:\s*number)?|DS)\s*[:=]?\s*"?([A-Za-z0-9-]{4,32})/i.exec(text)?.[1];
  const code = /(?:^|[\s,;{])(?:VC|RC|code|verification(?:\s*code)?)\s*[:=]?\s*"?([A-Za-z0-9]{4,64})/i.exec(text)?.[1];
  if (serial && code) return { serial, code };
  const tokens = text.split(/[\s,;|]+/).filter((t) => /^[A-Za-z0-9-]{4,64}$/.test(t));
  if (tokens.length === 2 && /^[A-Za-z0-9-]{4,32}$/.test(tokens[0]!)) return { serial: tokens[0]!, code: tokens[1]! };
  return null;
}
