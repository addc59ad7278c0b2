"""Reads skills and agents from switchboard with the official Python MCP
client (mcp 2.3): prompts/list, prompts/get (latest and a pinned label),
resources/list, resources/read (latest, pinned, a skill's other file, an
agent) and resources/templates/list.

Usage: py_library.py (--stdio BIN APP_DIR | --url URL) --mode legacy|auto|2026-07-28 [--watch-edit APP_DIR]
With --watch-edit (the server runs with --watch), the script then adds a
skill file and expects prompts and resources list_changed and the new skill.
Expects the app built by tests/it/library.rs: a markdown skill `demo`
(version 1 labelled production, version 2 latest) with notes.txt, a
markdown agent `helper`, and TypeScript `ts-skill` and `ts-agent`.
Exits non-zero, naming the failed check, if anything is wrong.
"""

import argparse
import asyncio
import os

from mcp import Client, StdioServerParameters


def check(condition, what, detail=""):
    if not condition:
        raise SystemExit(f"FAILED: {what} {detail}")
    print(f"ok: {what}")


def text_of(prompt):
    return "".join(getattr(message.content, "text", "") for message in prompt.messages)


async def run(target, mode, watch_dir):
    changes = {"prompts": asyncio.Event(), "resources": asyncio.Event()}

    async def on_message(message):
        text = type(getattr(message, "root", message)).__name__ + repr(message)
        if "PromptListChanged" in text or "prompts/list_changed" in text:
            changes["prompts"].set()
        if "ResourceListChanged" in text or "resources/list_changed" in text:
            changes["resources"].set()

    async with Client(target, mode=mode, cache=None, message_handler=on_message) as client:
        prompts = {prompt.name: prompt for prompt in (await client.list_prompts()).prompts}
        for name in ["demo", "helper", "ts-skill", "ts-agent", "twenty-logic-functions", "app-reviewer"]:
            check(name in prompts, f"prompt {name} listed", sorted(prompts))
        check(prompts["demo"].description == "A demo skill", "skill description", prompts["demo"].description)
        check([a.name for a in prompts["demo"].arguments] == ["version"], "version argument")

        latest = await client.get_prompt("demo")
        check("Second edition" in text_of(latest), "prompts/get serves the latest version", text_of(latest))
        pinned = await client.get_prompt("demo", {"version": "production"})
        check("First edition" in text_of(pinned), "prompts/get @production serves version 1", text_of(pinned))
        by_number = await client.get_prompt("demo", {"version": "2"})
        check("Second edition" in text_of(by_number), "prompts/get by number")
        agent = await client.get_prompt("ts-agent")
        check(text_of(agent) == "You are the TypeScript agent.", "TypeScript agent prompt", text_of(agent))
        helper = await client.get_prompt("helper")
        check(text_of(helper).strip() == "You help with markdown.", "markdown agent prompt", text_of(helper))
        try:
            await client.get_prompt("demo", {"version": "staging"})
            check(False, "an unknown label is an error")
        except Exception as error:  # noqa: BLE001 - any MCP error will do
            check("staging" in str(error), "an unknown label is an error naming it", str(error))

        resources = [resource.uri for resource in (await client.list_resources()).resources]
        for uri in ["skill://demo/SKILL.md", "skill://demo/notes.txt", "agent://helper", "skill://ts-skill/SKILL.md", "agent://ts-agent"]:
            check(uri in [str(u) for u in resources], f"resource {uri} listed", resources)
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        check("skill://{name}@{version}/{+path}" in templates, "skill template", templates)

        async def read(uri):
            contents = (await client.read_resource(uri)).contents
            return contents[0].text

        check("Second edition" in await read("skill://demo/SKILL.md"), "read the latest SKILL.md")
        check("First edition" in await read("skill://demo@production/SKILL.md"), "read a pinned SKILL.md")
        check((await read("skill://demo/notes.txt")).startswith("Notes for demo"), "read a skill's other file")
        check("You help with markdown." in await read("agent://helper"), "read an agent")
        check("TypeScript skill content" in await read("skill://ts-skill/SKILL.md"), "read a TypeScript skill")
        if watch_dir:
            await edit_and_expect_changes(client, mode, watch_dir, changes)


ADDED = "---\nname: added\ndescription: Added while serving\n---\nNew instructions.\n"


def add_skill(app_dir):
    os.makedirs(os.path.join(app_dir, "skills", "added"), exist_ok=True)
    with open(os.path.join(app_dir, "skills", "added", "SKILL.md"), "w") as handle:
        handle.write(ADDED)


async def edit_and_expect_changes(client, mode, app_dir, changes):
    if mode == "legacy":
        add_skill(app_dir)
        await asyncio.wait_for(changes["prompts"].wait(), 20)
        await asyncio.wait_for(changes["resources"].wait(), 20)
        check(True, "prompts and resources list_changed notifications")
    else:
        async with client.listen(prompts_list_changed=True, resources_list_changed=True) as subscription:
            add_skill(app_dir)
            seen = set()
            while len(seen) < 2:
                event = await asyncio.wait_for(subscription.__anext__(), 20)
                seen.add(type(event).__name__)
            check(seen == {"PromptsListChanged", "ResourcesListChanged"}, "2026 listen events", seen)
    prompts = [prompt.name for prompt in (await client.list_prompts()).prompts]
    check("added" in prompts, "the new skill is a prompt", prompts)
    added = await client.get_prompt("added")
    check(text_of(added).strip() == "New instructions.", "the new skill is served", text_of(added))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdio", nargs=2, metavar=("BIN", "APP_DIR"))
    parser.add_argument("--url")
    parser.add_argument("--mode", default="legacy")
    parser.add_argument("--watch-edit")
    args = parser.parse_args()
    if args.stdio:
        watch = ["--watch"] if args.watch_edit else []
        target = StdioServerParameters(command=args.stdio[0], args=["mcp", *watch, args.stdio[1]], env=dict(os.environ))
    else:
        target = args.url
    asyncio.run(run(target, args.mode, args.watch_edit))
    print("all checks passed")


if __name__ == "__main__":
    main()
