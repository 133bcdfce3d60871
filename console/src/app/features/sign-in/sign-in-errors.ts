// What the coordinator's `?error=` after an OpenID Connect sign-in means, in words.
const MESSAGES: Record<string, string> = {
  invite_required: "New accounts need an invite code on this network. Enter yours and try again.",
  invite_invalid: "That invite code does not exist. Check it and try again.",
  invite_used_up: "That invite code has no uses left.",
  referral_invalid: "That referral code does not exist. Check it, or leave it empty.",
  code_malformed: "Invite and referral codes are 4 to 64 letters, digits, - or _.",
  login_expired: "The sign-in took too long or was started in another browser. Try again.",
  denied: "The sign-in was cancelled at the identity provider.",
  busy: "Too many people are signing in right now. Try again in a minute.",
  issuer_unavailable: "The identity provider could not be reached. Try again in a moment.",
};

export function signInErrorMessage(code: string | null): string | null {
  if (!code) return null;
  return MESSAGES[code] ?? "Sign-in failed. Try again.";
}
