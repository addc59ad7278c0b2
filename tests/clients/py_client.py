"""Drives switchboard with the official Python MCP client (mcp 2.3).

Usage: py_client.py (--stdio BIN APP_DIR | --url URL) --mode legacy|auto|2026-07-28
Exits non-zero, naming the failed check, if any behaviour is wrong.
"""

import argparse
import asyncio
import json
import os
import sys

from mcp import Client, StdioServerParameters

EXPECTED_TOOLS = ["count", "fails", "greet", "link-company", "slow", "spin"]


def check(condition, what, detail=""):
    if not condition:
        raise SystemExit(f"FAILED: {what} {detail}")
    print(f"ok: {what}")


def text_of(result):
    return "".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def run(target, mode):
    async with Client(target, mode=mode, cache=None) as client:
        listed = (await client.list_tools()).tools
        names = [tool.name for tool in listed]
        check(names == EXPECTED_TOOLS, "tools/list names and order", names)
        greet = next(tool for tool in listed if tool.name == "greet")
        check(greet.title == "Greeter", "title from toolTriggerSettings.mcp", greet.title)
        check(greet.annotations.read_only_hint is True, "annotations")
        check(greet.output_schema["type"] == "object", "outputSchema")
        link = next(tool for tool in listed if tool.name == "link-company")
        check(link.input_schema["properties"]["company"] == {"type": "string", "description": "Id of the linked record"},
              "record type mapped to an id string", link.input_schema)

        progress = []

        async def on_progress(value, total, message):
            progress.append(value)

        result = await client.call_tool("greet", {"name": "Ada", "times": 2}, progress_callback=on_progress)
        check(not result.is_error, "greet succeeds", text_of(result))
        check(result.structured_content == {"greeting": "Hello, Ada! Hello, Ada!"}, "structuredContent", result.structured_content)
        check(json.loads(text_of(result)) == result.structured_content, "text block holds the JSON")
        await asyncio.sleep(0.2)
        check(0.0 in progress and 1.0 in progress, "progress at start and end", progress)

        result = await client.call_tool("greet", {"name": "", "times": 9})
        check(result.is_error, "invalid arguments are an isError result")
        check("/name" in text_of(result) and "/times" in text_of(result), "every failing field is named", text_of(result))
        result = await client.call_tool("greet", {})
        check(result.is_error and '"name" is a required property' in text_of(result), "missing required field", text_of(result))

        result = await client.call_tool("fails", {})
        check(result.is_error and text_of(result).startswith("TypeError: the CRM said no"), "thrown error", text_of(result))
        result = await client.call_tool("spin", {})
        check(result.is_error and "TimeoutError" in text_of(result), "timeout", text_of(result))
        result = await client.call_tool("greet", {"name": "Bo"})
        check(not result.is_error and result.structured_content == {"greeting": "Hello, Bo!"}, "next call after failures succeeds")

        result = await client.call_tool("count", {"items": ["a", "b", "c"]})
        check(result.structured_content == {"result": 3}, "non-object results are wrapped", result.structured_content)

        try:
            await client.call_tool("nope", {})
        except Exception as error:  # the client raises MCPError for JSON-RPC errors
            check("Unknown tool" in str(error), "unknown tool is a JSON-RPC error", str(error))
        else:
            check(False, "unknown tool is a JSON-RPC error", "no error raised")
    print("all checks passed")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdio", nargs=2, metavar=("BIN", "APP_DIR"))
    parser.add_argument("--url")
    parser.add_argument("--mode", default="auto")
    args = parser.parse_args()
    if args.stdio:
        binary, app = args.stdio
        target = StdioServerParameters(command=binary, args=["mcp", app], env=dict(os.environ))
    else:
        target = args.url
    asyncio.run(run(target, args.mode))


if __name__ == "__main__":
    sys.exit(main())
