/* true: does nothing and exits 0; what spawnbench starts. */
#include "ulib.h"

int main(void)
{
	return 0;
}
