"""Tools for developers and editors: the local Bot API sandbox and the chats on top of it."""
