#include "testutil.h"
static void placeholder(void **state) { (void)state; assert_int_equal(bm_vech_len(3), 6); }
int main(void)
{
  const struct CMUnitTest tests[] = {cmocka_unit_test(placeholder)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
