// Package examples holds the example configurations and API Management
// policies; its tests check that every policy expression uses only what API
// Management allows (apim/allowed-types.txt).
package examples
