// HostOs on Linux: the native addon's host calls (native/src/host.cc,
// sockets.cc, tap.cc, poller.cc). The addon object itself is returned, not a
// wrapper, so a call costs what it cost when it was reached through the engine.
import { nativeAddon } from '../native.js';
import type { HostOs } from './hostos.js';

export function linuxHost(): HostOs {
  return nativeAddon();
}
