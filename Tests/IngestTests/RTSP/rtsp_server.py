#!/usr/bin/python3
"""A real RTSP server on loopback for the live-source tests: GStreamer's RTSP server (Debian's
gir1.2-gst-rtsp-server-1.0, through python3-gi) serving one still image as an endless MJPEG/RTP
stream at a fixed frame rate, so that every frame holds the same faces.

usage: rtsp_server.py --port 8554 --image face.jpg [--fps 10] [--mount /cam] [--user U --password P]

Prints "ready rtsp://127.0.0.1:PORT/MOUNT" once it listens; stops on SIGTERM or SIGINT.
Runs with Debian's /usr/bin/python3 (python3-gi is built for it)."""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--mount", default="/cam")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    location = args.image.replace("\\", "\\\\").replace('"', '\\"')
    factory.set_launch(
        f'( filesrc location="{location}" ! jpegdec ! videoconvert ! imagefreeze is-live=true '
        f"! video/x-raw,framerate={args.fps}/1 ! jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26 )")
    # One pipeline for every client, as a camera has.
    factory.set_shared(True)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("viewer", "media.factory.access", True)
        permissions.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory(args.mount, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on port {args.port}", file=sys.stderr)
        sys.exit(1)

    loop = GLib.MainLoop()
    # A parent that starts this from a thread with signals blocked (Foundation's Process from a
    # Dispatch worker) passes the mask on: unblock, or SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, loop.quit)
    print(f"ready rtsp://127.0.0.1:{args.port}{args.mount}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
