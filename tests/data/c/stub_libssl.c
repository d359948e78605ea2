/* Stand-in for OpenSSL's libssl.so.3, which no manylinux policy allows. */
void *SSL_new(void *ctx) { return ctx; }
void SSL_free(void *ssl) { (void)ssl; }
