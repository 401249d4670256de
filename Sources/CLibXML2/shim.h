/* libxml2's SAX2 push parser, for reading .xlsx workbook parts as they are decompressed. */
#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU, whose system headers clash with the copy Foundation
   bundles; the ICU parts only add fields to xmlCharEncodingHandler, which cxv never touches. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
