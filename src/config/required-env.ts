/** Reads an environment variable once, at start-up, and fails fast naming it when it is missing or empty. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`environment variable ${name} is not set; the deployment (CDK) sets it`);
  }
  return value;
}
