/* Debian's libcurl.a is built with LDAP, RTMP and GSS-API (Kerberos/SPNEGO) support, so a static
 * link needs those libraries' symbols. They cannot be linked statically here: krb5 ships no
 * static archive, and libldap/librtmp pull in GnuTLS and p11-kit, which ship none either.
 *
 * kc never uses those features: every transfer is restricted to https/http with
 * CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR (common/http), and kc never asks for
 * Negotiate authentication. These replacements exist only to satisfy the linker; should libcurl
 * ever reach one, it fails cleanly with the library's "not supported"/failure value instead of
 * crashing. Parameters are omitted: the callers pass only pointers and integers in registers,
 * which a callee that ignores them may safely leave unread. */
#include <stddef.h>

#define FAIL_INT(name, value) \
  int name(void);             \
  int name(void) {            \
    return value;             \
  }
#define FAIL_PTR(name) \
  void* name(void);    \
  void* name(void) {   \
    return NULL;       \
  }
#define NO_OP(name) \
  void name(void);  \
  void name(void) {}

/* OpenLDAP: LDAP_NOT_SUPPORTED is -12. */
#define LDAP_FAIL(name) FAIL_INT(name, -12)
LDAP_FAIL(ldap_abandon_ext)
LDAP_FAIL(ldap_get_attribute_ber)
LDAP_FAIL(ldap_get_dn_ber)
LDAP_FAIL(ldap_get_option)
LDAP_FAIL(ldap_init_fd)
LDAP_FAIL(ldap_parse_result)
LDAP_FAIL(ldap_parse_sasl_bind_result)
LDAP_FAIL(ldap_sasl_bind)
LDAP_FAIL(ldap_search_ext)
LDAP_FAIL(ldap_set_option)
LDAP_FAIL(ldap_start_tls)
LDAP_FAIL(ldap_unbind_ext)
LDAP_FAIL(ldap_msgfree)
FAIL_INT(ldap_url_parse, 1) /* LDAP_URL_ERR_MEM */
FAIL_INT(ldap_result, -1)
FAIL_INT(ldap_msgtype, -1)
FAIL_INT(ldap_pvt_url_scheme2proto, -1)
FAIL_INT(ber_sockbuf_add_io, -1)
NO_OP(ldap_memfree)
NO_OP(ldap_free_urldesc)
NO_OP(ber_free)
NO_OP(ber_bvfree)
NO_OP(ber_memfree)

const char* ldap_err2string(int err);
const char* ldap_err2string(int err) {
  (void)err;
  return "LDAP is not supported by kc";
}

/* librtmp: RTMP_Alloc returning NULL makes libcurl report out of memory for rtmp:// URLs. */
FAIL_PTR(RTMP_Alloc)
FAIL_INT(RTMP_SetupURL, 0)
FAIL_INT(RTMP_Connect1, 0)
FAIL_INT(RTMP_ConnectStream, 0)
FAIL_INT(RTMP_Read, -1)
FAIL_INT(RTMP_Write, -1)
NO_OP(RTMP_Init)
NO_OP(RTMP_Close)
NO_OP(RTMP_Free)
NO_OP(RTMP_SetBufferMS)

/* GSS-API: every call reports GSS_S_FAILURE (13 << 16). */
#define GSS_FAIL(name) FAIL_INT(name, 13 << 16)
GSS_FAIL(gss_delete_sec_context)
GSS_FAIL(gss_display_name)
GSS_FAIL(gss_display_status)
GSS_FAIL(gss_import_name)
GSS_FAIL(gss_init_sec_context)
GSS_FAIL(gss_inquire_context)
GSS_FAIL(gss_release_buffer)
GSS_FAIL(gss_release_name)
GSS_FAIL(gss_unwrap)
GSS_FAIL(gss_wrap)
void* GSS_C_NT_HOSTBASED_SERVICE = NULL;
