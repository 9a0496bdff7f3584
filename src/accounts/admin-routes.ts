import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpError, ValidationError, ConflictError, type FieldErrors } from '../platform/errors.js';
import type { FormValues } from '../platform/form-spec.js';
import { EmptyForm, IdParams, NoQuery, Version } from '../platform/schemas.js';
import { setPasswordForm, setPinForm, userForm } from './forms.js';
import { removePin, setPin } from './pins.js';
import { createUser, findUser, listRoles, listUsers, sendPasswordReset, setPassword, updateUser, type UserSummary } from './users.js';

const manageUsers = { access: 'users:manage' } as const;
const NewUserForm = userForm.schema();
const EditUserForm = userForm.schema({ version: Version });
const userRoute = { config: manageUsers, schema: { params: IdParams, querystring: NoQuery } } as const;

type UserFormValues = Omit<FormValues<typeof userForm.fields>, 'password'> & { version: number };

export async function userAdminRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  const formDrawing = async () => ({
    userForm,
    setPasswordForm,
    setPinForm,
    options: { roles: (await listRoles(db)).map((role) => ({ value: role.name, label: role.label, description: role.description })) },
  });

  const editPage = async (reply: FastifyReply, user: UserSummary, values: UserFormValues, errors: FieldErrors, statusCode = 200, conflict = false) =>
    reply.page(
      'admin/user-edit',
      { title: `Edit ${user.name}`, editedUser: user, values, errors, ...(await formDrawing()), conflict },
      statusCode,
    );
  const newUserPage = async (reply: FastifyReply, values: FormValues<typeof userForm.fields>, errors: FieldErrors, statusCode = 200) =>
    reply.page('admin/user-new', { title: 'Add a user', values, errors, ...(await formDrawing()) }, statusCode);

  const valuesOf = (user: UserSummary): UserFormValues => ({ name: user.name, email: user.email, roles: user.roles, active: user.active, version: user.version });

  app.get('/admin/users', { config: manageUsers, schema: { querystring: NoQuery } }, async (_request, reply) => {
    return reply.page('admin/users', { title: 'Users', users: await listUsers(db) });
  });

  app.get('/admin/users/new', { config: manageUsers, schema: { querystring: NoQuery } }, async (_request, reply) => {
    return newUserPage(reply, userForm.blank(), {});
  });

  app.post('/admin/users', { config: manageUsers, schema: { querystring: NoQuery, body: NewUserForm } }, async (request, reply) => {
    const values = userForm.read(request.body);
    const { password } = values;
    try {
      const userId = await createUser(db, { userId: request.user!.id }, values);
      app.filterChoices.invalidate();
      app.mail.nudge();
      request.session.flash = password
        ? `${values.name} can now sign in with the password you chose.`
        : `${values.name} was added and emailed a link to choose a password.`;
      return reply.seeOther(`/admin/users/${userId}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return newUserPage(reply, { ...values, password: '' }, error.fieldErrors, 422);
    }
  });

  app.get('/admin/users/:id', userRoute, async (request, reply) => {
    const user = await findUser(db, Number(request.params.id));
    if (!user) throw new HttpError(404);
    return editPage(reply, user, valuesOf(user), {});
  });

  app.post('/admin/users/:id', { ...userRoute, schema: { ...userRoute.schema, body: EditUserForm } }, async (request, reply) => {
    const userId = Number(request.params.id);
    const { password: _notOnThisForm, ...typed } = userForm.read(request.body);
    const values: UserFormValues = { ...typed, version: Number(request.body.version) };
    try {
      await updateUser(db, { userId: request.user!.id }, userId, values);
      app.filterChoices.invalidate();
      app.forgetSessions();
      request.session.flash = `Saved ${values.name}.`;
      return reply.seeOther('/admin/users');
    } catch (error) {
      const current = await findUser(db, userId);
      if (!current) throw new HttpError(404);
      if (error instanceof ConflictError) {
        // Keep what this person typed, show what the other person saved, and take the new
        // version: saving again is then a deliberate choice, never a silent overwrite.
        return editPage(reply, current, { ...values, version: current.version }, { form: error.message }, 409, true);
      }
      if (!(error instanceof ValidationError)) throw error;
      return editPage(reply, current, values, error.fieldErrors, 422);
    }
  });

  app.post('/admin/users/:id/password-reset', { ...userRoute, schema: { ...userRoute.schema, body: EmptyForm } }, async (request, reply) => {
    const userId = Number(request.params.id);
    const user = await findUser(db, userId);
    if (!user) throw new HttpError(404);
    try {
      await sendPasswordReset(db, { userId: request.user!.id }, userId);
      app.mail.nudge();
      request.session.flash = `A link to choose a new password was emailed to ${user.email}. It works once, for 24 hours.`;
      return reply.seeOther(`/admin/users/${userId}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return editPage(reply, user, valuesOf(user), error.fieldErrors, 422);
    }
  });

  app.post('/admin/users/:id/password', { ...userRoute, schema: { ...userRoute.schema, body: setPasswordForm.schema() } }, async (request, reply) => {
    const userId = Number(request.params.id);
    const user = await findUser(db, userId);
    if (!user) throw new HttpError(404);
    try {
      const keepOwnSession = userId === request.user!.id ? request.session.sessionId : undefined;
      await setPassword(db, { userId: request.user!.id }, userId, setPasswordForm.read(request.body).password, keepOwnSession);
      app.forgetSessions();
      request.session.flash = `New password set for ${user.name}. They have been signed out everywhere.`;
      return reply.seeOther(`/admin/users/${userId}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return editPage(reply, user, valuesOf(user), error.fieldErrors, 422);
    }
  });

  app.post('/admin/users/:id/pin', { ...userRoute, schema: { ...userRoute.schema, body: setPinForm.schema() } }, async (request, reply) => {
    const userId = Number(request.params.id);
    const user = await findUser(db, userId);
    if (!user) throw new HttpError(404);
    const { pin, remove } = setPinForm.read(request.body);
    try {
      if (remove) {
        await removePin(db, { userId: request.user!.id }, userId);
        request.session.flash = `${user.name} no longer has a PIN and cannot sign in at kiosks.`;
      } else {
        await setPin(db, { userId: request.user!.id }, userId, pin);
        request.session.flash = `New kiosk PIN set for ${user.name}.`;
      }
      return reply.seeOther(`/admin/users/${userId}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return editPage(reply, user, valuesOf(user), error.fieldErrors, 422);
    }
  });
}
