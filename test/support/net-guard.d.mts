export function allowedAddress(host: string | undefined | null): boolean;
