#!/usr/bin/env bash
# Makes an RSA key pair in DIR (jwt.key, jwt.pub: serve with AUTH_BACKEND=jwt
# AUTH_JWT_PUBLIC_KEY=DIR/jwt.pub AUTH_JWT_AUDIENCE=reflector) and prints an RS256 token for SUB,
# valid for an hour (openssl CLI). Used by the benchmarks, which run production auth.
# Usage: bench/jwt_token.sh DIR SUB
set -euo pipefail
dir=$1
sub=$2
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/jwt.key" 2>/dev/null
openssl pkey -in "$dir/jwt.key" -pubout -out "$dir/jwt.pub"
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
payload=$(printf '{"sub":"%s","aud":"reflector","exp":%d}' "$sub" $(($(date +%s) + 3600)) | b64url)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$dir/jwt.key" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
