"""`batchtui serve`: the dashboard in a browser, through textual-serve (one app process per browser tab).

A front end like the dashboard itself: it runs `python -m batchtui` per tab and relays its screen; it imports no
widget. `access` (the binding rules, the token, the host and origin checks) needs no extra; `server` needs
textual-serve (`pip install 'batchtui[serve]'`).
"""
