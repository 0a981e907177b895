"""memd's MCP server. The tools arrive with their own issue; this package holds the seam."""
