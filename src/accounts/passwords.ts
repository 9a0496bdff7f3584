import { hash, verify } from '@node-rs/argon2';

export const minimumPasswordLength = 10;

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. The library's default algorithm is argon2id.
const argon2Options = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashSecret(secret: string): Promise<string> {
  return hash(secret, argon2Options);
}

export async function verifySecret(storedHash: string, secret: string): Promise<boolean> {
  try {
    return await verify(storedHash, secret);
  } catch {
    return false;
  }
}

/** Verifying against this when no account matches keeps the response time the same. */
let decoyHash: Promise<string> | undefined;
export function decoy(): Promise<string> {
  decoyHash ??= hashSecret('no account has this password');
  return decoyHash;
}

export function passwordProblem(password: string): string | undefined {
  if (password.length < minimumPasswordLength) return `Use at least ${minimumPasswordLength} characters.`;
  if (password.length > 200) return 'Use at most 200 characters.';
  return undefined;
}
