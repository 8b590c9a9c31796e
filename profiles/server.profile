# kiln built-in profile: server
#
# Used for a program that has no profile of its own when kiln runs as root, and only when no
# server.profile exists in the profile directories. It hides the same credentials as the default
# profile, plus the host's own secret keys, and drops every capability: a daemon that needs one (to bind
# a low port, to change user) should get a profile of its own, or be started with for example
#   kiln --ignore=caps.drop --caps.keep=net_bind_service,setuid,setgid daemon
include server.local
include globals.local

include kiln-secrets.inc
include kiln-readonly.inc
include kiln-security.inc

# Secrets of the machine itself, which only root can read anyway.
blacklist /etc/shadow
blacklist /etc/shadow-
blacklist /etc/gshadow
blacklist /etc/gshadow-
blacklist /etc/ssh/ssh_host_*_key
blacklist /etc/ssl/private
blacklist /root/.ssh
blacklist /root/.gnupg
