"""The same greeting tool on the official Python SDK's server (mcp 2.3
MCPServer, formerly FastMCP), stateless Streamable HTTP with JSON responses.
Usage: py_server.py PORT (with the SDK on PYTHONPATH)."""
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("bench-python", log_level="WARNING")


@server.tool()
def greet(name: str) -> str:
    """Returns a greeting"""
    return f"Hello, {name}!"


server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[1]), stateless_http=True, json_response=True)
