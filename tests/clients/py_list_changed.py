"""Checks tools/list_changed after an edit, with the official Python client.

Usage: py_list_changed.py (--stdio BIN | --url URL) --mode legacy|2026-07-28 APP_DIR
APP_DIR is a throw-away copy of tests/fixtures/mcp-tools that switchboard serves
with --watch (for --stdio the script starts it). The script adds a tool file and
expects the notification and the new tool; then it adds a broken file and
expects the last good version to keep serving.
"""

import argparse
import asyncio
import os
import sys

from mcp import Client, StdioServerParameters

NEW_TOOL = """import { defineLogicFunction } from 'twenty-sdk/define';
export default defineLogicFunction({
  universalIdentifier: '66666666-6666-4666-8666-666666666699',
  name: 'added',
  toolTriggerSettings: { inputSchema: { type: 'object', properties: {} } },
  handler: async () => ({ added: true }),
});
"""


def check(condition, what, detail=""):
    if not condition:
        raise SystemExit(f"FAILED: {what} {detail}")
    print(f"ok: {what}")


async def run(target, mode, app_dir):
    changed = asyncio.Event()

    async def on_message(message):
        if "ToolListChanged" in type(getattr(message, "root", message)).__name__ or "tools/list_changed" in repr(message):
            changed.set()

    async with Client(target, mode=mode, cache=None, message_handler=on_message) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        check("added" not in names, "starts without the new tool")
        if mode == "legacy":
            with open(os.path.join(app_dir, "src", "added.ts"), "w") as handle:
                handle.write(NEW_TOOL)
            await asyncio.wait_for(changed.wait(), 20)
            check(True, "legacy notification received")
        else:
            async with client.listen(tools_list_changed=True) as subscription:
                with open(os.path.join(app_dir, "src", "added.ts"), "w") as handle:
                    handle.write(NEW_TOOL)
                event = await asyncio.wait_for(subscription.__anext__(), 20)
                check("ToolsListChanged" in type(event).__name__, "2026 listen event received", type(event).__name__)
        names = [tool.name for tool in (await client.list_tools()).tools]
        check("added" in names, "new tool listed", names)
        result = await client.call_tool("added", {})
        check(result.structured_content == {"added": True}, "new tool runs", result.structured_content)

        with open(os.path.join(app_dir, "src", "broken.ts"), "w") as handle:
            handle.write("export default defineLogicFunction({ name: ,});\n")
        await asyncio.sleep(1.5)
        names = [tool.name for tool in (await client.list_tools()).tools]
        check("added" in names and "greet" in names, "a broken edit keeps the last good version", names)
        result = await client.call_tool("greet", {"name": "Ada"})
        check(not result.is_error, "still serving after a broken edit")
    print("all checks passed")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdio")
    parser.add_argument("--url")
    parser.add_argument("--mode", default="legacy")
    parser.add_argument("app_dir")
    args = parser.parse_args()
    if args.stdio:
        target = StdioServerParameters(command=args.stdio, args=["mcp", "--watch", args.app_dir], env=dict(os.environ))
    else:
        target = args.url
    asyncio.run(run(target, args.mode, args.app_dir))


if __name__ == "__main__":
    sys.exit(main())
