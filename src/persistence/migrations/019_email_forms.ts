// Emails stored before the canonical form (NFKC, then lower-case; issue 11) were only lower-cased. Bring them into
// the one form so a fullwidth or mathematical-bold copy typed at sign-up or in a share finds the account. An address
// whose canonical form another account already holds stays as it is (both keep working; neither is taken from its
// holder), and is counted so an operator can look.
import type { Kysely } from 'kysely';

/** The canonical form (`normalizeEmail` in src/domain/contact.ts, without its validation). */
const canonical = (email: string): string => email.trim().normalize('NFKC').toLowerCase();

export async function up(db: Kysely<any>): Promise<void> {
  const rows = (await db.selectFrom('accounts').select(['id', 'email']).where('email', 'is not', null).execute()) as {
    id: string;
    email: string;
  }[];
  const taken = new Set(rows.map((r) => r.email));
  let left = 0;
  for (const r of rows) {
    const form = canonical(r.email);
    if (form === r.email) continue;
    if (taken.has(form)) {
      left++;
      continue;
    }
    await db.updateTable('accounts').set({ email: form }).where('id', '=', r.id).execute();
    taken.delete(r.email);
    taken.add(form);
  }
  if (left > 0)
    console.warn(`019_email_forms: ${left} address(es) left as stored: another account holds their canonical form`);
}

export async function down(): Promise<void> {}
