// A small drawing per device kind (no emoji: they depend on fonts the machine may not have).
const PATHS: Record<string, string> = {
  camera: 'M3 7h12v10H3zM15 10l6-3v10l-6-3',
  recorder: 'M3 6h18v5H3zM3 13h18v5H3zM7 8.5h.01M7 15.5h.01',
  doorbell: 'M8 3h8v18H8zM12 15a2 2 0 1 0 0 .01M11 7h2',
  alarm_hub: 'M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z',
};

export function DeviceIcon({ kind }: { kind: string }) {
  return (
    <span className="device-icon" aria-hidden="true">
      <svg
        viewBox="0 0 24 24"
        width="24"
        height="24"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinejoin="round"
        strokeLinecap="round"
      >
        <path d={PATHS[kind] ?? PATHS.camera} />
      </svg>
    </span>
  );
}
