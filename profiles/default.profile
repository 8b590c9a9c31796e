# kiln built-in profile: default
#
# Used for a program that has no profile of its own when kiln runs as a normal user, and only when no
# default.profile exists in ~/.config/kiln, /etc/kiln, ~/.config/firejail or /etc/firejail.
# It keeps the program working with the user's files while hiding credentials and protecting the
# files that run code at the next login. docs/profiles.md explains each part.
#
# Local changes belong in default.local or globals.local (in ~/.config/kiln or /etc/kiln); a missing
# .local file is not an error.
include default.local
include globals.local

include kiln-secrets.inc
include kiln-readonly.inc
include kiln-security.inc
