// The agent's API as a paired handheld calls it on the LAN listener. The
// device's token (from pairing, kept in this browser's localStorage) goes
// with every call as `Authorization: Bearer`, never as a cookie, so no other
// site's page can make the browser send it. A refusal saying the device is
// not paired (or was revoked at the till) forgets the token and tells the
// screens, which go back to pairing.

import { AgentError, call } from '../api';
import type {
  Handheld,
  PairRequest,
  Paired,
  PickSheet,
  PickedScan,
  PickerSignIn,
  QueuedOrder,
  ScanBody,
  ShortBody,
  SignedIn,
} from '../generated';

const KEY = 'pos.handheld.pairing';

export type Unpaired = 'device_revoked' | 'device_not_paired';

export function loadPairing(): Paired | null {
  try {
    const p = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Paired | null;
    return p && typeof p.token === 'string' && p.token ? p : null;
  } catch {
    return null;
  }
}

function forgetPairing(): void {
  localStorage.removeItem(KEY);
}

let onUnpaired: (why: Unpaired) => void = () => undefined;

/** Who to tell when the till no longer knows this device. */
export function whenUnpaired(listener: (why: Unpaired) => void): void {
  onUnpaired = listener;
}

function isUnpaired(e: unknown): e is AgentError & { type: Unpaired } {
  return e instanceof AgentError && e.status === 401 && (e.type === 'device_revoked' || e.type === 'device_not_paired');
}

async function authed<T>(method: string, path: string, body?: unknown): Promise<T> {
  const pairing = loadPairing();
  if (!pairing) {
    onUnpaired('device_not_paired');
    throw new AgentError(401, 'device_not_paired', 'this device is not paired');
  }
  try {
    return await call<T>(method, path, body, { authorization: `Bearer ${pairing.token}` });
  } catch (e) {
    if (isUnpaired(e)) {
      forgetPairing();
      onUnpaired(e.type);
    }
    throw e;
  }
}

const enc = encodeURIComponent;
const order = (id: string) => `/v1/picking/orders/${enc(id)}`;

export const handheld = {
  /** Claims a pairing code; the token is kept for every later call. */
  pair: async (code: string, deviceName: string): Promise<Paired> => {
    const paired = await call<Paired>('POST', '/v1/pairing', { code, device_name: deviceName } satisfies PairRequest);
    localStorage.setItem(KEY, JSON.stringify(paired));
    return paired;
  },
  me: () => authed<Handheld>('GET', '/v1/handheld/me'),
  signIn: (code: string, pin: string) => authed<SignedIn>('POST', '/v1/handheld/session', { code, pin } satisfies PickerSignIn),
  signOut: () => authed<unknown>('DELETE', '/v1/handheld/session'),
  queue: () => authed<QueuedOrder[]>('GET', '/v1/picking/orders'),
  sheet: (id: string) => authed<PickSheet>('GET', order(id)),
  claim: (id: string) => authed<PickSheet>('POST', `${order(id)}/claim`),
  scan: (id: string, body: ScanBody) => authed<PickedScan>('POST', `${order(id)}/scans`, body),
  undo: (id: string, movementId: string) => authed<PickSheet>('DELETE', `${order(id)}/picks/${enc(movementId)}`),
  short: (id: string, line: number, short: boolean) =>
    authed<PickSheet>('PUT', `${order(id)}/lines/${line}/short`, { short } satisfies ShortBody),
  pack: (id: string) => authed<PickSheet>('POST', `${order(id)}/pack`),
};
