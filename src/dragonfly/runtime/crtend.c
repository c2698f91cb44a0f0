/* The closing start file: nothing to close with .init_array (see crtbegin.c). */
typedef int vkemu_crtend_empty;
