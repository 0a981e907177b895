from mcp_server.server import serve

serve()
