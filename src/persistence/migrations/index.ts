// Every migration, in order. Names sort in the order they run; never edit one that has shipped.
import type { Migration } from 'kysely';
import * as m001 from './001_foundation.ts';
import * as m002 from './002_sharing.ts';
import * as m002b from './002b_transfers.ts';
import * as m003 from './003_installer.ts';
import * as m004 from './004_access.ts';
import * as m005 from './005_notices.ts';
import * as m006 from './006_home.ts';
import * as m007 from './007_identity.ts';
import * as m009 from './009_device_link.ts';
import * as m010 from './010_media.ts';
import * as m011 from './011_webhooks.ts';
import * as m012 from './012_push.ts';
import * as m014 from './014_access_changes.ts';
import * as m015 from './015_guest_links.ts';
import * as m016 from './016_household_visibility.ts';
import * as m017 from './017_ownership_claims.ts';
import * as m018 from './018_managers.ts';
import * as m019 from './019_email_forms.ts';

export const migrations: Record<string, Migration> = {
  '001_foundation': m001,
  '002_sharing': m002,
  '002b_transfers': m002b,
  '003_installer': m003,
  '004_access': m004,
  '005_notices': m005,
  '006_home': m006,
  '007_identity': m007,
  '009_device_link': m009,
  '010_media': m010,
  '011_webhooks': m011,
  '012_push': m012,
  '014_access_changes': m014,
  '015_guest_links': m015,
  '016_household_visibility': m016,
  '017_ownership_claims': m017,
  // Managers were first numbered 013 and reverted before landing; as 018 they apply after 014 on databases
  // that already ran 014 (Kysely refuses a migration inserted before one that ran).
  '018_managers': m018,
  '019_email_forms': m019,
};
