// providers_meta.js: the four provider types the UI knows, in list order,
// with the words App Services uses for them.
export const PROVIDER_TYPES = [
  {
    type: "anon-user",
    name: "Anonymous",
    description: "Allow users to log in anonymously",
  },
  {
    type: "local-userpass",
    name: "Email/Password",
    description: "Allow users to log in with an email and password",
  },
  {
    type: "api-key",
    name: "API Keys",
    description: "Allow users to log in with API keys",
  },
  {
    type: "custom-token",
    name: "Custom JWT Authentication",
    description: "Allow users to log in with a JSON Web Token issued by another system",
  },
];

export function providerMeta(type) {
  return PROVIDER_TYPES.find((p) => p.type === type) || null;
}
