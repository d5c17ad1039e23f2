#!/usr/bin/env python3
"""Record how the real Python supervisord 4.2.5 parses each fixture.

Usage (once, by a developer; the Rust tests never run Python):

    python3 -m venv /tmp/sv && /tmp/sv/bin/pip install 'supervisor==4.2.5'
    /tmp/sv/bin/python record.py            # rewrites every *.expected here

For every `*.conf` in this directory (not in sub-directories, which hold
included files) it loads the file with `supervisor.options.ServerOptions`
(`realize(args=['-c', path])`, i.e. read_config plus the normalisation
supervisord does at startup) and writes `<name>.expected` in a line-based
format, `key=value`, one value per line; the Rust test
(`config/tests.rs`, `fixtures_match_python`) renders its own parse the same
way and compares.

The environment is fixed so that the result does not depend on the machine:
  * os.environ is replaced by FIXED_ENV, the host name is `testhost`;
  * the working directory is this directory, and its absolute path is
    written as `%HERE%`;
  * the temp directory is /tmp.

A config that supervisord rejects produces a single `error=<message>` line
(the ValueError text of read_config/realize, before "Error: " is prefixed).
"""

import os
import platform
import sys
import tempfile

FIXED_ENV = {
    'HOME': '/home/tester',
    'FOO': 'bar',
    'GREETING': 'hello world',
    'TMPDIR': '/tmp',
}
HOST = 'testhost'

HERE = os.path.dirname(os.path.abspath(__file__))


def esc(value):
    s = str(value)
    s = s.replace(HERE, '%HERE%')
    return s.replace('\\', '\\\\').replace('\n', '\\n')


def render_bool(b):
    return 'true' if b else 'false'


def render_logfile(v):
    from supervisor.datatypes import Automatic
    if v is Automatic:
        return 'AUTO'
    if not v:  # None, or '' (which supervisord treats as no log file)
        return 'NONE'
    return esc(v)


def render_autorestart(v):
    from supervisor.datatypes import (RestartUnconditionally,
                                      RestartWhenExitUnexpected)
    if v is RestartUnconditionally:
        return 'true'
    if v is RestartWhenExitUnexpected:
        return 'unexpected'
    return 'false'


def render(options):
    from supervisor.options import EventListenerPoolConfig
    lines = []
    s = options.configroot.supervisord

    def add(key, value):
        lines.append('%s=%s' % (key, value))

    add('supervisord.logfile', esc(options.logfile))
    add('supervisord.logfile_maxbytes', s.logfile_maxbytes)
    add('supervisord.logfile_backups', s.logfile_backups)
    add('supervisord.loglevel', s.loglevel)
    add('supervisord.pidfile', esc(options.pidfile))
    add('supervisord.umask', '%o' % s.umask)
    add('supervisord.nodaemon', render_bool(s.nodaemon))
    add('supervisord.silent', render_bool(s.silent))
    add('supervisord.minfds', s.minfds)
    add('supervisord.minprocs', s.minprocs)
    add('supervisord.nocleanup', render_bool(s.nocleanup))
    add('supervisord.childlogdir', esc(s.childlogdir))
    add('supervisord.user', esc(s.user) if s.user is not None else 'None')
    add('supervisord.uid', options.uid if options.user else 'None')
    add('supervisord.directory',
        esc(s.directory) if s.directory is not None else 'None')
    add('supervisord.strip_ansi', render_bool(s.strip_ansi))
    for k, v in s.environment.items():
        add('supervisord.environment.%s' % esc(k), esc(v))
    add('supervisord.identifier', esc(s.identifier))

    for group in options.process_group_configs:
        g = 'group:%s' % group.name
        add(g + '.priority', group.priority)
        if isinstance(group, EventListenerPoolConfig):
            add(g + '.pool.buffer_size', group.buffer_size)
            from supervisor.events import getEventNameByType
            names = sorted(getEventNameByType(e) for e in group.pool_events)
            add(g + '.pool.events', ','.join(names))
        for p in group.process_configs:
            k = '%s.process:%s' % (g, p.name)
            add(k + '.command', esc(p.command))
            add(k + '.directory',
                esc(p.directory) if p.directory is not None else 'None')
            add(k + '.umask', '%o' % p.umask if p.umask is not None else 'None')
            add(k + '.priority', p.priority)
            add(k + '.autostart', render_bool(p.autostart))
            add(k + '.autorestart', render_autorestart(p.autorestart))
            add(k + '.startsecs', p.startsecs)
            add(k + '.startretries', p.startretries)
            add(k + '.uid', p.uid)
            for ch in ('stdout', 'stderr'):
                add('%s.%s_logfile' % (k, ch),
                    render_logfile(getattr(p, ch + '_logfile')))
                for opt in ('logfile_maxbytes', 'logfile_backups',
                            'capture_maxbytes'):
                    add('%s.%s_%s' % (k, ch, opt), getattr(p, ch + '_' + opt))
                for opt in ('events_enabled', 'syslog'):
                    add('%s.%s_%s' % (k, ch, opt),
                        render_bool(getattr(p, ch + '_' + opt)))
            add(k + '.stopsignal', int(p.stopsignal))
            add(k + '.stopwaitsecs', p.stopwaitsecs)
            add(k + '.stopasgroup', render_bool(p.stopasgroup))
            add(k + '.killasgroup', render_bool(p.killasgroup))
            add(k + '.exitcodes', ','.join(str(c) for c in p.exitcodes))
            add(k + '.redirect_stderr', render_bool(p.redirect_stderr))
            for ek, ev in p.environment.items():
                add('%s.environment.%s' % (k, esc(ek)), esc(ev))
            add(k + '.serverurl', esc(p.serverurl) if p.serverurl else 'AUTO')

    for conf in options.server_configs:
        if conf['family'] == __import__('socket').AF_INET:
            k = 'inet:%s' % conf['section']
            add(k + '.host', esc(conf['host']))
            add(k + '.port', conf['port'])
        else:
            k = 'unix:%s' % conf['section']
            add(k + '.file', esc(conf['file']))
            add(k + '.chmod', '%o' % conf['chmod'])
            chown = conf['chown']
            add(k + '.chown', 'None' if chown == (-1, -1) else
                '%d:%d' % chown)
        add(k + '.username', esc(conf['username']))
        add(k + '.password', esc(conf['password']))

    for name, factory, extras in options.rpcinterface_factories:
        k = 'rpcinterface:%s' % name
        add(k + '.factory', '%s:%s' % (factory.__module__, factory.__name__))
        for ek in sorted(extras):
            add('%s.%s' % (k, ek), esc(extras[ek]))

    add('serverurl', esc(options.serverurl))
    for w in options.parse_warnings:
        add('warning', esc(w))
    for i in options.parse_infos:
        add('info', esc(i))
    return lines


def record(conf):
    from supervisor.options import ServerOptions

    options = ServerOptions()
    # make usage() raise instead of printing and exiting
    def usage(msg):
        raise ValueError(msg)
    options.usage = usage
    try:
        options.realize(args=['-c', conf])
        lines = render(options)
    except ValueError as e:
        lines = ['error=%s' % esc(e)]
    return '\n'.join(lines) + '\n'


def main():
    os.environ.clear()
    os.environ.update(FIXED_ENV)
    platform.node = lambda: HOST
    tempfile.tempdir = '/tmp'
    os.chdir(HERE)
    names = sys.argv[1:] or sorted(
        f for f in os.listdir(HERE) if f.endswith('.conf'))
    for name in names:
        out = record(name)
        with open(os.path.join(HERE, name[:-5] + '.expected'), 'w') as f:
            f.write(out)
        print('recorded %s' % name)


if __name__ == '__main__':
    main()
