// libcrypt (libxcrypt, apt libcrypt-dev): bcrypt for the basic-auth users of
// --web.config.file. crypt_r and crypt_gensalt_rn, with the large
// `struct crypt_data` allocated by the caller.
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

/// crypt_r(3) with its work area on the heap; writes at most `out_size - 1`
/// bytes of the result and a NUL into `out`. Returns 0, or -1 on failure
/// (an unsupported or malformed setting).
static inline int ccrypt_hash(const char *phrase, const char *setting, char *out, size_t out_size) {
    struct crypt_data *data = calloc(1, sizeof(struct crypt_data));
    if (data == NULL) return -1;
    const char *result = crypt_r(phrase, setting, data);
    int status = -1;
    if (result != NULL && result[0] != '*' && strlen(result) < out_size) {
        strcpy(out, result);
        status = 0;
    }
    explicit_bzero(data, sizeof(struct crypt_data));
    free(data);
    return status;
}
