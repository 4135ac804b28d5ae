#!/usr/bin/env python3
"""The hub's MCP server driven by the official Python SDK (the `mcp` package), over both
transports: stdio (it starts the real `connector-hub mcp` itself) and Streamable HTTP (a served
hub's `/mcp`). Run by `tests/it/mcp.rs` with one argument, a JSON file:

    {"http_url", "stdio": {"command", "args", "cwd", "env"}, "keys": {NAME: {"key", "tools"}},
     "account_id", "owner", "secrets"}

For each transport and key it lists the tools and compares them with the ones the key's scopes
allow; then it calls `list_accounts`, `get_account`, `verify_account` and `proxy_request` (against
the loopback fake provider the hub points at), checks that a call without its scope is a tool
error naming the scope, reads a connector guide, and that no answer holds 12 characters of a
stored secret. Prints `passed: <transport>` for each; exits non-zero on the first failure.

Works with the SDK's 1.x API (`streamablehttp_client`) and its 2.x API (`streamable_http_client`).
With 2.x it also connects as its high-level `Client` does by default (`server/discover`, then the
stateless 2026-07-28 protocol) and prints `passed: <transport> (discover)`.
"""

import asyncio
import json
import sys
from contextlib import asynccontextmanager

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared._httpx_utils import create_mcp_http_client

try:  # 2.x, and late 1.x
    from mcp.client.streamable_http import streamable_http_client
except ImportError:  # pragma: no cover - early 1.x
    streamable_http_client = None
    from mcp.client.streamable_http import streamablehttp_client

try:  # 2.x: the high-level client, which negotiates with `server/discover`
    from mcp import Client
except ImportError:
    Client = None


def wire(model):
    """A result as it travels (camelCase keys), whichever SDK version made it."""
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


@asynccontextmanager
async def over_http(url, key):
    headers = {"Authorization": f"Bearer {key}"}
    if streamable_http_client is not None:
        async with create_mcp_http_client(headers=headers) as http:
            async with streamable_http_client(url, http_client=http) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    await session.initialize()
                    yield session
    else:
        async with streamablehttp_client(url, headers=headers) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                yield session


@asynccontextmanager
async def over_stdio(stdio, key):
    env = dict(stdio["env"])
    env["CONNECTOR_HUB_KEY"] = key
    params = StdioServerParameters(
        command=stdio["command"],
        args=[str(a) for a in stdio["args"]],
        env=env,
        cwd=stdio["cwd"],
    )
    async with stdio_client(params) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            await session.initialize()
            yield session


class Run:
    def __init__(self, config, transport):
        self.config = config
        self.transport = transport
        self.seen = []

    def session(self, key_name):
        key = self.config["keys"][key_name]["key"]
        if self.transport == "http":
            return over_http(self.config["http_url"], key)
        return over_stdio(self.config["stdio"], key)

    def check(self, condition, what):
        if not condition:
            raise AssertionError(f"{self.transport}: {what}")

    async def call(self, session, tool, arguments):
        result = wire(await session.call_tool(tool, arguments))
        self.seen.append(json.dumps(result))
        return result

    def answer(self, result, tool):
        self.check(not result.get("isError"), f"{tool} failed: {result}")
        structured = result.get("structuredContent")
        text = json.loads(result["content"][0]["text"])
        self.check(structured == text, f"{tool}: the text and the structured content differ")
        return structured

    async def main(self):
        account = self.config["account_id"]
        # Tools by scope.
        for name, key in self.config["keys"].items():
            async with self.session(name) as session:
                listed = wire(await session.list_tools())
                names = sorted(t["name"] for t in listed["tools"])
                self.check(names == sorted(key["tools"]), f"key {name} lists {names}")
                for tool in listed["tools"]:
                    self.check(tool.get("description"), f"{tool['name']} has no description")
                    self.check(tool["inputSchema"]["type"] == "object", f"{tool['name']} schema")

        # A call without its scope: a tool error naming the scope.
        async with self.session("reader") as session:
            result = await self.call(session, "verify_account", {"account_id": account})
            self.check(result.get("isError") is True, f"not a tool error: {result}")
            self.check("accounts:write" in result["content"][0]["text"], f"no scope named: {result}")

        async with self.session("writer") as session:
            page = self.answer(
                await self.call(session, "list_accounts", {"owner": self.config["owner"], "limit": 5}),
                "list_accounts",
            )
            ids = [a["id"] for a in page["accounts"]]
            self.check(ids == [account], f"list_accounts gave {ids}")
            self.check(page["accounts"][0]["key"].startswith("••••"), "the key is not masked")
            one = self.answer(
                await self.call(session, "get_account", {"account_id": account}), "get_account"
            )
            self.check(one["connector"] == "lever", f"get_account: {one}")
            checked = self.answer(
                await self.call(session, "verify_account", {"account_id": account}),
                "verify_account",
            )
            self.check(checked["check"]["status"] == "verified", f"verify_account: {checked}")
            missing = await self.call(session, "get_account", {"account_id": "acc_missing"})
            self.check(missing.get("isError") is True, "an unknown account is a tool error")

        async with self.session("proxy") as session:
            proxied = self.answer(
                await self.call(
                    session,
                    "proxy_request",
                    {"account_id": account, "method": "GET", "path": "users", "query": {"limit": 1}},
                ),
                "proxy_request",
            )
            self.check(proxied["status"] == 200, f"proxy_request: {proxied}")
            self.check(proxied["body_format"] == "json", f"proxy_request body: {proxied}")
            self.check(isinstance(proxied["body"].get("data"), list), f"the fake's body: {proxied}")
            self.check(proxied["truncated"] is False, "a small body is not cut")

        async with self.session("admin") as session:
            resources = wire(await session.list_resources())
            uris = [r["uri"] for r in resources["resources"]]
            self.check("connector://lever/guide" in uris, f"resources: {uris}")
            guide = wire(await session.read_resource("connector://lever/guide"))
            # The guide is the published one (docs/connectors/lever.md), whose example key the
            # fixture's fake key is built from: it is not searched for the stored secret.
            text = guide["contents"][0]["text"]
            self.check(text.startswith("# Lever"), f"the guide: {text[:80]}")
            connectors = self.answer(
                await self.call(session, "list_connectors", {"connector": "lever"}),
                "list_connectors",
            )
            self.check(connectors["connectors"][0]["id"] == "lever", "list_connectors")

        everything = "\n".join(self.seen)
        for secret in self.config["secrets"]:
            for start in range(len(secret) - 11):
                run = secret[start : start + 12]
                self.check(run not in everything, "an answer holds a run of a stored secret")
        print(f"passed: {self.transport}", flush=True)


async def discover(config, transport):
    """The 2.x high-level client in its default mode: `server/discover`, then stateless
    requests carrying their own protocol metadata."""
    reader = config["keys"]["reader"]
    if transport == "http":
        headers = {"Authorization": f"Bearer {reader['key']}"}
        async with create_mcp_http_client(headers=headers) as http:
            async with Client(streamable_http_client(config["http_url"], http_client=http)) as client:
                await discovered(client, config, reader, transport)
    else:
        stdio = config["stdio"]
        env = dict(stdio["env"])
        env["CONNECTOR_HUB_KEY"] = reader["key"]
        params = StdioServerParameters(
            command=stdio["command"], args=[str(a) for a in stdio["args"]], env=env, cwd=stdio["cwd"]
        )
        async with Client(params) as client:
            await discovered(client, config, reader, transport)


async def discovered(client, config, reader, transport):
    def check(condition, what):
        if not condition:
            raise AssertionError(f"{transport} (discover): {what}")

    names = sorted(t.name for t in (await client.list_tools()).tools)
    check(names == sorted(reader["tools"]), f"lists {names}")
    page = wire(await client.call_tool("list_accounts", {"owner": config["owner"]}))
    check(not page.get("isError"), f"list_accounts: {page}")
    ids = [a["id"] for a in page["structuredContent"]["accounts"]]
    check(ids == [config["account_id"]], f"list_accounts gave {ids}")
    refused = wire(await client.call_tool("proxy_request", {"account_id": ids[0], "path": "users"}))
    check(refused.get("isError") is True and "`proxy`" in refused["content"][0]["text"], f"{refused}")
    print(f"passed: {transport} (discover, {client.protocol_version})", flush=True)


async def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        config = json.load(f)
    for transport in ("stdio", "http"):
        await Run(config, transport).main()
        if Client is not None:
            await discover(config, transport)


if __name__ == "__main__":
    asyncio.run(main())
