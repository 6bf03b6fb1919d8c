// Onboarding ids are Relay global ids ("Onboarding:<ulid>", base64). Arguments also accept the
// bare ulid, which is what webhook URLs and logs show.
import { decodeGlobalID } from '@pothos/plugin-relay';

export function rawOnboardingId(id: string | number): string {
  const value = String(id);
  try {
    const decoded = decodeGlobalID(value);
    if (decoded.typename === 'Onboarding') return decoded.id;
  } catch {
    // Not a global id: take it as a bare id.
  }
  return value;
}
