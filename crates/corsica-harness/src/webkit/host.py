# A WebKitGTK page driven over standard input, for corsica's differential tests.
#
# Started by corsica-harness (webkit.rs) as `/usr/bin/python3 host.py DATA_DIR` under Xvfb.
# Protocol, one JSON document per line:
#   stdin:  {"goto": URL} | {"fetch": URL, "init": {...}} | {"quit": true}
#   stdout: "@@corsica " + JSON result, after the web process's own console lines, which
#           WebKit writes to the same stdout ("CONSOLE SECURITY ERROR ...") because of the
#           enable-write-console-messages-to-stdout setting.
import json
import os
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

data_dir = sys.argv[1]
manager = WebKit2.WebsiteDataManager(
    base_data_directory=os.path.join(data_dir, "data"),
    base_cache_directory=os.path.join(data_dir, "cache"),
)
context = WebKit2.WebContext(website_data_manager=manager)
context.set_cache_model(WebKit2.CacheModel.DOCUMENT_VIEWER)
view = WebKit2.WebView(web_context=context)
settings = view.get_settings()
settings.set_property("enable-write-console-messages-to-stdout", True)
settings.set_property("enable-developer-extras", False)
window = Gtk.OffscreenWindow()
window.add(view)
window.show_all()


def reply(value):
    sys.stdout.flush()
    os.write(1, ("@@corsica " + json.dumps(value) + "\n").encode())


FETCH = """
try {
  const r = await fetch(url, init);
  const headers = [];
  r.headers.forEach((v, k) => headers.push([k, v]));
  try { await r.text(); } catch (e) {}
  return JSON.stringify({ok: true, status: r.status, headers});
} catch (e) {
  return JSON.stringify({ok: false, error: String(e)});
}
"""


def on_load(_view, event):
    if event == WebKit2.LoadEvent.FINISHED:
        reply({"loaded": True})


view.connect("load-changed", on_load)


def on_fetched(source, result, _data):
    try:
        value = source.call_async_javascript_function_finish(result)
        reply(json.loads(value.to_string()))
    except GLib.Error as e:
        reply({"ok": False, "error": "harness: " + e.message})


def on_line(channel, _condition):
    line = channel.readline()
    if not line:
        Gtk.main_quit()
        return False
    command = json.loads(line)
    if "goto" in command:
        view.load_uri(command["goto"])
    elif "fetch" in command:
        args = GLib.Variant("a{sv}", {
            "url": GLib.Variant("s", command["fetch"]),
            "init": GLib.Variant("s", json.dumps(command.get("init", {}))),
        })
        body = "init = JSON.parse(init);\n" + FETCH
        view.call_async_javascript_function(body, -1, args, None, None, None, on_fetched, None)
    else:
        Gtk.main_quit()
        return False
    return True


channel = GLib.IOChannel.unix_new(0)
GLib.io_add_watch(channel, GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN | GLib.IOCondition.HUP, on_line)
Gtk.main()
