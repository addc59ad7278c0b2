// One run in a fresh process (what the per-request baseline spawns).
const handler = async (event) => ({ message: `Hello, ${event.pathParameters.name}!` });
process.stdout.write(JSON.stringify(await handler(JSON.parse(process.argv[2]))));
