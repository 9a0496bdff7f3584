import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, ValidationError } from '../platform/errors.js';
import { formText } from '../platform/forms.js';
import { localPath } from '../platform/redirects.js';
import { EmptyForm, Form, NoQuery, Query, ReturnPath, Text, TokenParams } from '../platform/schemas.js';
import { roleLabels, type Role } from '../platform/permissions.js';
import { changePasswordForm, forgotPasswordForm, newPasswordForm, ownPinForm, signInForm } from './forms.js';
import { verifySecret } from './passwords.js';
import { setPin } from './pins.js';
import {
  authenticate,
  changeOwnPassword,
  noteSignIn,
  requestPasswordReset,
  resetPasswordWithToken,
  userForResetToken,
} from './users.js';

/** Only paths inside Traveler, so a crafted link cannot bounce a fresh sign-in to another site. */
export function safeNextPath(value: unknown): string {
  return localPath(value, '/');
}

const LoginForm = signInForm.schema({ next: ReturnPath });

/** A new session for the person, so a session id fixed before sign-in is worth nothing. */
export async function signIn(request: FastifyRequest, userId: number): Promise<void> {
  await request.session.regenerate();
  request.session.userId = userId;
}

/** Per account and address: for forms that send mail or check a password (a PIN change, a reset request). */
const perAccountRateLimit = {
  max: 5,
  timeWindow: '5 minutes',
  keyGenerator: (request: FastifyRequest) => `${request.ip}|${formText(request.body, 'email').toLowerCase()}`,
};

export async function accountRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  app.get('/login', { config: { access: 'public' }, schema: { querystring: Query({ next: ReturnPath }) } }, async (request, reply) => {
    if (request.user) return reply.seeOther('/');
    const next = safeNextPath(request.query.next);
    return reply.page('accounts/login', { title: 'Sign in', signInForm, values: signInForm.blank(), next, errors: {} });
  });

  // Failed sign-ins are limited per account and address (guessing one password) and per address
  // across accounts (password spraying). Only failures count: a shared office computer or a whole
  // shift signing in from the office's one address at 7 am is not an attack.
  const failedSignInsForAccount = app.createRateLimit({ max: 5, timeWindow: '5 minutes', keyGenerator: (request) => `failed-sign-ins|${perAccountRateLimit.keyGenerator(request)}` });
  const failedSignInsFromOneAddress = app.createRateLimit({ max: 20, timeWindow: '15 minutes', keyGenerator: (request) => `failed-sign-ins|${request.ip}` });
  const exhausted = async (limiter: typeof failedSignInsForAccount, request: FastifyRequest) => {
    const seen = await limiter(request, { increment: false });
    return !seen.isAllowed && seen.remaining === 0;
  };

  app.post('/login', { config: { access: 'public' }, schema: { querystring: NoQuery, body: LoginForm } }, async (request, reply) => {
    if (await exhausted(failedSignInsForAccount, request)) {
      throw new HttpError(429, 'Too many failed sign-ins for this account. Wait 5 minutes and try again, or use “Forgot password”.');
    }
    if (await exhausted(failedSignInsFromOneAddress, request)) {
      throw new HttpError(429, 'Too many failed sign-ins from your network. Wait 15 minutes and try again, or ask an administrator.');
    }
    const { email, password } = signInForm.read(request.body);
    const next = safeNextPath(formText(request.body, 'next'));
    const userId = email && password ? await authenticate(db, email, password) : undefined;
    if (userId === undefined) {
      await Promise.all([failedSignInsForAccount(request), failedSignInsFromOneAddress(request)]);
      request.log.info({ email }, 'sign-in refused');
      return reply.page(
        'accounts/login',
        { title: 'Sign in', signInForm, values: { email, password: '' }, next, errors: { form: 'That email and password do not match an active account.' } },
        422,
      );
    }
    await signIn(request, userId);
    return reply.seeOther(next);
  });

  app.post('/logout', { config: { access: 'public' }, schema: { querystring: NoQuery, body: EmptyForm } }, async (request, reply) => {
    await request.session.destroy();
    return reply.seeOther('/login');
  });

  const accountPage = async (reply: FastifyReply, userId: number, errors: Record<string, string>, statusCode = 200) => {
    const person = await db.selectFrom('users').select(sql<boolean>`pin_hash is not null`.as('hasPin')).where('id', '=', userId).executeTakeFirstOrThrow();
    return reply.page('accounts/account', { title: 'My account', errors, changePasswordForm, ownPinForm, hasPin: person.hasPin }, statusCode);
  };

  // A person with several roles acts in one of them (or all): navigation, the dashboard and what
  // they may do follow it, and everything they do records it.
  app.post('/account/acting-role', { config: { access: 'signed-in' }, schema: { querystring: NoQuery, body: Form({ role: Text(40) }) } }, async (request, reply) => {
    const user = request.user!;
    const role = formText(request.body, 'role');
    const held = user.allRoles ?? user.roles;
    if (role !== '' && !held.includes(role)) throw new HttpError(422, 'You do not hold that role. Ask an admin if you need it.');
    request.session.actingRole = role === '' ? undefined : role;
    request.session.flash = role === '' ? 'You act in all your roles.' : `You act as ${roleLabels[role as Role] ?? role}: the menus and the dashboard show that role’s work, and what you do is recorded as it.`;
    return reply.seeOther('/');
  });

  app.get('/account', { config: { access: 'signed-in' }, schema: { querystring: NoQuery } }, async (request, reply) => {
    return accountPage(reply, request.user!.id, {});
  });

  // The password is asked for so that someone passing an unlocked desk cannot set a PIN.
  app.post('/account/pin', { config: { access: 'signed-in', rateLimit: perAccountRateLimit }, schema: { querystring: NoQuery, body: ownPinForm.schema() } }, async (request, reply) => {
    const userId = request.user!.id;
    const { newPin, pinPassword } = ownPinForm.read(request.body);
    try {
      const row = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow();
      if (!(await verifySecret(row.password_hash, pinPassword))) {
        throw new ValidationError({ pinPassword: 'That is not your current password.' });
      }
      await setPin(db, { userId }, userId, newPin, 'newPin');
      request.session.flash = 'Your kiosk PIN is set. Use it to sign in at the shop-floor tablets.';
      return reply.seeOther('/account');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return accountPage(reply, userId, error.fieldErrors, 422);
    }
  });

  app.post('/account/password', { config: { access: 'signed-in' }, schema: { querystring: NoQuery, body: changePasswordForm.schema() } }, async (request, reply) => {
    const { currentPassword, newPassword } = changePasswordForm.read(request.body);
    try {
      await changeOwnPassword(db, request.user!.id, currentPassword, newPassword, request.session.sessionId);
      app.forgetSessions();
      request.session.flash = 'Your password was changed. Other devices have been signed out.';
      return reply.seeOther('/account');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return accountPage(reply, request.user!.id, error.fieldErrors, 422);
    }
  });

  app.get('/password-reset', { config: { access: 'public' }, schema: { querystring: NoQuery } }, async (_request, reply) => {
    return reply.page('accounts/forgot-password', { title: 'Forgot your password?', forgotPasswordForm, values: forgotPasswordForm.blank(), errors: {}, sent: false });
  });

  app.post('/password-reset', { config: { access: 'public', rateLimit: perAccountRateLimit }, schema: { querystring: NoQuery, body: forgotPasswordForm.schema() } }, async (request, reply) => {
    const values = forgotPasswordForm.read(request.body);
    const errors = forgotPasswordForm.validate(values);
    if (errors.email) {
      return reply.page('accounts/forgot-password', { title: 'Forgot your password?', forgotPasswordForm, values, errors, sent: false }, 422);
    }
    await requestPasswordReset(db, values.email);
    app.mail.nudge();
    return reply.page('accounts/forgot-password', { title: 'Check your email', forgotPasswordForm, values, errors: {}, sent: true });
  });

  app.get('/password-reset/:token', { config: { access: 'public' }, schema: { params: TokenParams, querystring: NoQuery } }, async (request, reply) => {
    const { token } = request.params;
    const user = await userForResetToken(db, token);
    if (!user) throw new HttpError(404, 'This link has expired or was already used. Ask your administrator, or use “Forgot password” on the sign-in page, for a new one.');
    return reply.page('accounts/reset-password', { title: 'Choose a new password', newPasswordForm, name: user.name, token, errors: {} });
  });

  app.post('/password-reset/:token', { config: { access: 'public' }, schema: { params: TokenParams, querystring: NoQuery, body: newPasswordForm.schema() } }, async (request, reply) => {
    const { token } = request.params;
    try {
      const userId = await resetPasswordWithToken(db, token, newPasswordForm.read(request.body).password);
      app.forgetSessions();
      await signIn(request, userId);
      await noteSignIn(db, userId, 'password link');
      request.session.flash = 'Your new password is set.';
      return reply.seeOther('/');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const user = await userForResetToken(db, token);
      if (!user) throw new HttpError(404, 'This link has expired or was already used.');
      return reply.page('accounts/reset-password', { title: 'Choose a new password', newPasswordForm, name: user.name, token, errors: error.fieldErrors }, 422);
    }
  });
}
