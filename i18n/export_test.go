package i18n

// IDs lists the ids of lang's file, for the tests outside the package.
var IDs = ids
