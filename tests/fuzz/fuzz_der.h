/*
 * fuzz_der.h -- checks on one certificate's DER, shared by fuzz_chain.c
 * and fuzz_x509.c: x509_parse, the SAN walk (DNS and IP), the AKI, the
 * CN, renew.c's certID and default renewal time, and x509ip's scanner
 * fed in two pieces split at cut.  Needs fuzz.h.
 */
static void
fuzz_der(const unsigned char *der, size_t n, size_t cut)
{
	static const unsigned char ip4[4] = { 127, 0, 0, 1 };
	static const unsigned char ip6[16] = { [15] = 1 };
	static struct x509_cert x;
	static struct x509ip_scan s;
	static char cn[65], id[RENEW_CERT_ID_MAX + 1];
	struct der_tlv aki;
	int r;

	if (x509_parse(&x, der, n) == 0) {
		fuzz_assert(x.not_before_t <= 253402300800ULL &&
		    x.not_after_t <= 253402300800ULL);
		x509_has_dns(&x, "a.example");
		x509_has_dns(&x, "*.a.example");
		x509_has_ip(&x, ip4, sizeof ip4);
		x509_has_ip(&x, ip6, sizeof ip6);
		x509_name_count(&x);
		if (x509_aki(&x, &aki) == 0)
			fuzz_assert(aki.val >= der &&
			    aki.val + aki.len <= der + n);
		r = x509_cn(&x, cn, sizeof cn);
		fuzz_assert(r < 0 || strlen(cn) < sizeof cn);
		if (renew_cert_id(id, sizeof id, &x) == 0)
			fuzz_assert(strlen(id) <= RENEW_CERT_ID_MAX);
		renew_default_at(&x, 12345);
	}
	if (cut > n)
		cut = n;
	x509ip_scan_start(&s, cut & 1 ? ip6 : ip4, cut & 1 ? 16 : 4,
	    (uint32_t)n);
	x509ip_scan_push(&s, der, cut);
	x509ip_scan_push(&s, der + cut, n - cut);
	r = x509ip_scan_result(&s);
	fuzz_assert(r >= -1 && r <= 1);
}
