/** Console user management for the CLI, the hub's API object and tests. */
import { insertUser, listUsers } from '../db/users';
import type { UserSummary } from '../db/users';
import type { HubDb } from '../db/open';
import type { ConsoleRole } from '../db/schema';
import { HubError } from '../errors';
import { hashPassword, passwordProblem } from './password';
import type { ScryptParams } from './password';

export type ConsoleUsers = {
  /** Adds a user with a password (hashed here); INVALID_INPUT for a weak one, ALREADY_EXISTS for a taken login. */
  create(input: { login: string; role: ConsoleRole; password: string }): Promise<string>;
  list(): Promise<UserSummary[]>;
};

export function consoleUsers(
  hubDb: HubDb,
  options: { now: () => number; actor: string; scrypt?: ScryptParams },
): ConsoleUsers {
  return {
    async create(input) {
      const problem = passwordProblem(input.password);
      if (problem !== null) throw new HubError('INVALID_INPUT', `password: ${problem}`);
      const passwordHash = await hashPassword(input.password, options.scrypt);
      return hubDb.write((db) =>
        insertUser(db, { login: input.login, role: input.role, passwordHash, actor: options.actor }, options.now()),
      );
    },
    list: () => listUsers(hubDb.db),
  };
}
