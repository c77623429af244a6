#!/usr/bin/env python3
"""A synthetic Docker Engine API on a Unix socket, serving N running site containers, so that
proxy-gen's memory and apply time can be measured at 1000 sites without starting 1000
containers. It answers what proxy-gen asks: /version, /_ping, /containers/json, inspect,
an /events stream that stays open, and kill (the split mode's reload) on the nginx container.
    fake_docker.py SOCKET_PATH SITES"""
import json
import socketserver
import sys
import time
from http.server import BaseHTTPRequestHandler

NETWORK = "bench"
NGINX_ID = "f" * 64


def container(i):
    host = f"site{i}.example.org"
    return {
        "Id": f"{i:064x}",
        "Name": f"/site{i}-phpserver-1",
        "State": {"Running": True, "Paused": False},
        "Config": {"Env": [f"VIRTUAL_HOST={host},www.{host}", f"WORKER_UID={10000 + i}", "PATH=/usr/bin"],
                   "Labels": {"com.docker.compose.project": f"site{i}"},
                   "ExposedPorts": {"80/tcp": {}, "443/tcp": {}}},
        "HostConfig": {"NetworkMode": NETWORK},
        "NetworkSettings": {"Networks": {NETWORK: {"IPAddress": f"10.{i // 62500 % 250}.{i // 250 % 250}.{i % 250 + 2}",
                                                   "GlobalIPv6Address": ""}}},
    }


def nginx():
    return {"Id": NGINX_ID, "Name": "/bench-nginx", "State": {"Running": True}, "Config": {"Env": [], "Labels": {}},
            "HostConfig": {"NetworkMode": NETWORK},
            "NetworkSettings": {"Networks": {NETWORK: {"IPAddress": "10.255.255.254"}}}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    containers = {}

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def path_only(self):
        path = self.path.split("?", 1)[0]
        if path.startswith("/v1."):
            path = path[path.index("/", 1):]
        return path

    def do_GET(self):
        path = self.path_only()
        if path == "/version":
            self.reply(200, {"ApiVersion": "1.41", "MinAPIVersion": "1.12"})
        elif path == "/_ping":
            self.reply(200, "OK")
        elif path == "/containers/json":
            if "label" in self.path:
                self.reply(200, [{"Id": NGINX_ID}])
            else:
                self.reply(200, [{"Id": cid} for cid in self.containers])
        elif path.startswith("/containers/") and path.endswith("/json"):
            cid = path[len("/containers/"):-len("/json")]
            if cid in (NGINX_ID, "bench-nginx"):
                self.reply(200, nginx())
            elif cid in self.containers:
                self.reply(200, self.containers[cid])
            else:
                self.reply(404, {"message": f"No such container: {cid}"})
        elif path == "/events":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            while True:
                time.sleep(3600)
        else:
            self.reply(404, {"message": "not here"})

    def do_POST(self):
        if self.path_only().endswith("/kill"):
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.reply(404, {"message": "not here"})


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    path, sites = sys.argv[1], int(sys.argv[2])
    Handler.containers = {c["Id"]: c for c in (container(i) for i in range(sites))}
    with Server(path, Handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
