import { formSpec, type FieldSpec } from '../platform/form-spec.js';
import { roles } from '../platform/permissions.js';
import { settingsForm } from '../settings/settings.js';
import { minimumPasswordLength } from './passwords.js';

// Secrets get room for what a password manager might generate; passwordProblem() sets the real limit.
const secretRoom = 1000;
const newPasswordHint = `At least ${minimumPasswordLength} characters.`;

const name = { kind: 'text', label: 'Name', max: 120, required: 'Enter the person’s name.', autocomplete: 'off' } as const satisfies FieldSpec;
const email = {
  kind: 'email',
  label: 'Email',
  max: 254,
  required: 'Enter an email address.',
  invalid: 'Enter an email address like name@example.com.',
  autocomplete: 'off',
} as const satisfies FieldSpec;

/** A person as an admin adds or edits them (Admin → Users). */
export const userForm = formSpec({
  name,
  email,
  roles: {
    kind: 'choices',
    label: 'Roles',
    required: 'Choose at least one role.',
    invalid: 'Choose roles from the list.',
    most: 20,
    hint: 'A person may hold several roles. Admins may do everything.',
  },
  active: { kind: 'checkbox', switch: true, label: 'Active (may sign in)' },
  password: {
    kind: 'secret',
    label: 'Password',
    max: secretRoom,
    autocomplete: 'new-password',
    hint: 'Leave empty to email them a link to choose their own (recommended).',
  },
});
export const roleOptions = { roles };

/** An admin sets someone's password outright. */
export const setPasswordForm = formSpec({
  password: { kind: 'secret', label: 'Or set a new password now', max: secretRoom, autocomplete: 'new-password', minlength: minimumPasswordLength, required: newPasswordHint, hint: 'They will be signed out everywhere.' },
});

/** An admin sets someone's kiosk PIN (or removes it with the `remove` button). */
export const setPinForm = formSpec({
  pin: { kind: 'secret', label: 'PIN', max: 6, autocomplete: 'off', inputmode: 'numeric', required: 'Use 4 to 6 digits.', hint: '4 to 6 digits. Tell the person in private.' },
  remove: { kind: 'checkbox', label: 'Remove the PIN' },
});

/** First run: the shop's name and its first admin. */
export const setupForm = formSpec({
  shopName: { ...settingsForm.fields.shopName, autocomplete: 'organization', hint: 'Shown on every page and in emails to your customers.' },
  name: { ...name, label: 'Your name', autocomplete: 'name' },
  email: { ...email, autocomplete: 'email' },
  password: {
    kind: 'secret',
    label: 'Password',
    max: secretRoom,
    autocomplete: 'new-password',
    minlength: minimumPasswordLength,
    required: newPasswordHint,
    hint: `${newPasswordHint} A short sentence is easy to remember and hard to guess.`,
  },
  demo: { kind: 'checkbox', label: 'Create my shop with demo data' },
});

export const signInForm = formSpec({
  email: { kind: 'email', label: 'Email', max: 254, required: 'Enter the email address you sign in with.', autocomplete: 'username' },
  password: { kind: 'secret', label: 'Password', max: secretRoom, autocomplete: 'current-password', required: 'Enter your password.' },
});

export const forgotPasswordForm = formSpec({
  email: { ...signInForm.fields.email, invalid: 'Enter the email address you sign in with.' },
});

export const newPasswordForm = formSpec({
  password: { kind: 'secret', label: 'New password', max: secretRoom, autocomplete: 'new-password', minlength: minimumPasswordLength, required: newPasswordHint, hint: newPasswordHint },
});

export const changePasswordForm = formSpec({
  currentPassword: { kind: 'secret', label: 'Current password', max: secretRoom, autocomplete: 'current-password', required: 'Enter your current password.' },
  newPassword: {
    kind: 'secret',
    label: 'New password',
    max: secretRoom,
    autocomplete: 'new-password',
    minlength: minimumPasswordLength,
    required: newPasswordHint,
    hint: `${newPasswordHint} Other devices will be signed out.`,
  },
});

/** A person sets their own kiosk PIN; their password proves it is them. */
export const ownPinForm = formSpec({
  newPin: { kind: 'secret', label: 'New PIN', max: 6, autocomplete: 'off', inputmode: 'numeric', required: 'Use 4 to 6 digits.', hint: '4 to 6 digits, not all the same and not counting up or down.' },
  pinPassword: { kind: 'secret', label: 'Your password', max: secretRoom, autocomplete: 'current-password', required: 'Enter your current password.' },
});
