// Signing in to the care team's user pool, as local/sign_in.py does for the CLI: Cognito's public InitiateAuth and
// RespondToAuthChallenge calls with the app client's id, no AWS credentials. The session lives in this tab only
// (sessionStorage): closing the tab signs out.

const TARGET_PREFIX = "AWSCognitoIdentityProviderService.";
const RENEW_BEFORE_MS = 60_000;
const STORAGE_KEY = "socialcare.session";

export class SignInError extends Error {}

export class Auth {
  constructor(config) {
    this.endpoint = config.cognitoUrl;
    this.clientId = config.clientId;
    this.challenge = null; // {user, session} while Cognito waits for a new password
    this.session = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
  }

  get user() {
    return this.session ? this.session.user : null;
  }

  async signIn(user, password) {
    const answer = await this.call("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH", ClientId: this.clientId,
      AuthParameters: {USERNAME: user, PASSWORD: password},
    });
    if (answer.ChallengeName === "NEW_PASSWORD_REQUIRED") {
      this.challenge = {user, session: answer.Session};
      return "new-password";
    }
    this.keep(user, answer.AuthenticationResult);
    return "signed-in";
  }

  async chooseNewPassword(newPassword) {
    const {user, session} = this.challenge;
    const answer = await this.call("RespondToAuthChallenge", {
      ChallengeName: "NEW_PASSWORD_REQUIRED", ClientId: this.clientId, Session: session,
      ChallengeResponses: {USERNAME: user, NEW_PASSWORD: newPassword},
    });
    this.challenge = null;
    this.keep(user, answer.AuthenticationResult);
  }

  // The ID token, renewed from the refresh token when it is about to expire; null once it cannot be.
  async idToken() {
    if (!this.session) return null;
    if (Date.now() < this.session.expiresAt - RENEW_BEFORE_MS) return this.session.idToken;
    try {
      const answer = await this.call("InitiateAuth", {
        AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: this.clientId,
        AuthParameters: {REFRESH_TOKEN: this.session.refreshToken},
      });
      this.keep(this.session.user, {RefreshToken: this.session.refreshToken, ...answer.AuthenticationResult});
      return this.session.idToken;
    } catch (error) {
      this.signOut();
      return null;
    }
  }

  signOut() {
    this.session = null;
    sessionStorage.removeItem(STORAGE_KEY);
  }

  keep(user, result) {
    this.session = {user, idToken: result.IdToken, refreshToken: result.RefreshToken,
                    expiresAt: Date.now() + result.ExpiresIn * 1000};
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.session));
  }

  async call(operation, body) {
    const response = await fetch(this.endpoint, {
      method: "POST", body: JSON.stringify(body),
      headers: {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET_PREFIX + operation},
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const kind = String(answer.__type || "").split("#").pop();
      throw new SignInError(SIGN_IN_MESSAGES[kind] || answer.message || `sign-in failed (${response.status})`);
    }
    return answer;
  }
}

const SIGN_IN_MESSAGES = {
  NotAuthorizedException: "Wrong user name or password.",
  UserNotFoundException: "Wrong user name or password.",
  InvalidPasswordException: "That password is too weak: 12 characters or more, with upper and lower case and a digit.",
  PasswordResetRequiredException: "Your password was reset: ask a lead for a new temporary one.",
  TooManyRequestsException: "Too many attempts: wait a minute and try again.",
};
