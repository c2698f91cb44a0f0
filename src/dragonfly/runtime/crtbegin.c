/*
 * The start-file pair that gcc's own crtbegin/crtend would give a DragonFly
 * program. Constructors run from .init_array (csu and rtld walk it), so all
 * that is left is the handle that __cxa_atexit and dl_iterate_phdr callers use
 * to name this object: 0 in an executable, its own address in a shared object.
 */
#ifdef SHARED
void *__dso_handle __attribute__((visibility("hidden"))) = &__dso_handle;
#else
void *__dso_handle __attribute__((visibility("hidden"))) = 0;
#endif
