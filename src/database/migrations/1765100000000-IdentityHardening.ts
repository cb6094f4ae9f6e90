import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14: IdP users keyed on (issuer, subject), when each last presented a valid IdP token, and API token scopes.
 * How existing rows are mapped is written down in docs/access-control.md ("Upgrading").
 */
export class IdentityHardening1765100000000 implements MigrationInterface {
  name = 'IdentityHardening1765100000000';

  async up(q: QueryRunner): Promise<void> {
    // Existing `idp:<name>` rows keep NULL here: the old code never stored the subject. Each is bound to the first
    // subject whose token the old code would have mapped to it (see IdpUsersService), so its files stay its own.
    await q.query(`
      ALTER TABLE users
        ADD COLUMN idp_issuer text,
        ADD COLUMN idp_subject varchar(255),
        ADD COLUMN idp_last_seen_at timestamptz,
        ADD CONSTRAINT users_idp_identity_whole CHECK ((idp_issuer IS NULL) = (idp_subject IS NULL))`);
    await q.query(`CREATE UNIQUE INDEX users_idp_identity_uq ON users (idp_issuer, idp_subject) WHERE idp_subject IS NOT NULL`);

    // Existing tokens get the default scopes; those of local admins keep users:manage, so that their automation goes
    // on working. Tokens of external users (idp:, hasura:) get the defaults only: that is the finding being fixed.
    await q.query(`ALTER TABLE api_tokens ADD COLUMN scopes text[] NOT NULL DEFAULT '{files:read,files:write}'`);
    await q.query(`
      UPDATE api_tokens t SET scopes = '{files:read,files:write,users:manage}'
      FROM users u
      WHERE u.id = t.user_id AND 'admin' = ANY (u.roles) AND position(':' in u.username) = 0`);
    await q.query(`ALTER TABLE api_tokens ALTER COLUMN scopes DROP DEFAULT`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP COLUMN scopes`);
    await q.query(`DROP INDEX users_idp_identity_uq`);
    await q.query(`
      ALTER TABLE users
        DROP CONSTRAINT users_idp_identity_whole,
        DROP COLUMN idp_last_seen_at,
        DROP COLUMN idp_subject,
        DROP COLUMN idp_issuer`);
  }
}
