/** REST calls as a console makes them: bearer token, JSON in and out. */
export function restClient(baseUrl: string) {
  return async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('application/json');
    return { status: res.status, body: (json && text ? JSON.parse(text) : undefined) as any, text };
  };
}
