# demo-cache.sh - sourced (not a bench-*.sh: run-bench runs those) by bench-postfix.sh and
# bench-milter-memory.sh: the $BITS-bit key and the demo model encrypted under it, made once in
# BUILDDIR/bench-cache and remade when the key or the model is newer or the
# file does not validate (encryption takes minutes).  Needs B, S, T, BITS
# and die(); sets key (path without .pub/.sec), em (encrypted model), model.
cache=$B/bench-cache
mkdir -p "$cache"
chmod 755 "$cache"
key=$cache/k$BITS
em=$cache/demo-b14.k$BITS.bsm
model=$S/contrib/samples/demo-b14.model
if [ ! -r "$key.pub" ]; then
	"$T/blindscore-keygen" -q -f -N -b $BITS -o "$key" || die "blindscore-keygen"
fi
if [ ! -s "$em" ] || [ "$em" -ot "$key.pub" ] || [ "$em" -ot "$model" ] ||
	! "$T/blindscore-encrypt" --info "$em" >/dev/null 2>&1; then
	echo "encrypting the demo model at $BITS bits once into $em (1-3 min)"
	"$T/blindscore-encrypt" -q -f -k "$key.pub" -m "$model" -o "$em.tmp" ||
		die "blindscore-encrypt"
	mv "$em.tmp" "$em"
	mv "$em.tmp.seed" "$em.seed" 2>/dev/null
fi
chmod 644 "$em" "$key.pub"
