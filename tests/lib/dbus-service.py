# A D-Bus test service for the desktop tests (Debian's python3-gi). Usage:
#   dbus-service.py session|system LOGFILE NAME...
# It owns each NAME and serves /org/example/Test (org.example.Test: Ping and Other, which return their own
# method name) and /org/freedesktop/Notifications (Notify, which records its summary in LOGFILE). It
# prints "ready" once every name is owned.
import sys
from gi.repository import Gio, GLib

XML = """<node>
<interface name='org.example.Test'>
  <method name='Ping'><arg type='s' direction='out'/></method>
  <method name='Other'><arg type='s' direction='out'/></method>
</interface>
<interface name='org.freedesktop.Notifications'>
  <method name='Notify'>
    <arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>
    <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>
    <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/><arg type='u' direction='out'/>
  </method>
  <method name='GetCapabilities'><arg type='as' direction='out'/></method>
  <method name='GetServerInformation'>
    <arg type='s' direction='out'/><arg type='s' direction='out'/><arg type='s' direction='out'/><arg type='s' direction='out'/>
  </method>
</interface>
</node>"""

kind, logfile, names = sys.argv[1], sys.argv[2], sys.argv[3:]
node = Gio.DBusNodeInfo.new_for_xml(XML)
bus = Gio.bus_get_sync(Gio.BusType.SESSION if kind == 'session' else Gio.BusType.SYSTEM)


def call(conn, sender, path, iface, method, params, inv):
    if iface == 'org.freedesktop.Notifications':
        if method == 'Notify':
            with open(logfile, 'a') as f:
                f.write('notify %s\n' % params.unpack()[3])
            inv.return_value(GLib.Variant('(u)', (42,)))
        elif method == 'GetCapabilities':
            inv.return_value(GLib.Variant('(as)', (['body'],)))
        else:
            inv.return_value(GLib.Variant('(ssss)', ('kiln-test', 'kiln', '1', '1.2')))
        return
    with open(logfile, 'a') as f:
        f.write('%s %s\n' % (method, sender))
    inv.return_value(GLib.Variant('(s)', (method,)))


bus.register_object('/org/example/Test', node.interfaces[0], call)
bus.register_object('/org/freedesktop/Notifications', node.interfaces[1], call)
pending = set(names)
loop = GLib.MainLoop()


def acquired(conn, name):
    pending.discard(name)
    if not pending:
        print('ready', flush=True)


for n in names:
    Gio.bus_own_name_on_connection(bus, n, Gio.BusNameOwnerFlags.NONE, acquired, lambda c, n: sys.exit('lost ' + n))
loop.run()
