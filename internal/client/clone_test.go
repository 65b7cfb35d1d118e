package client

import (
	"reflect"
	"testing"
)

// TestCloneSharesNothing fills every field of Metadata and checks the clone
// holds its own copy of every slice, map and pointer, so a field added
// later without a clone fails here.
func TestCloneSharesNothing(t *testing.T) {
	var m Metadata
	v := reflect.ValueOf(&m).Elem()
	for i := range v.NumField() {
		fill(t, v.Field(i), v.Type().Field(i).Name)
	}
	c := m.Clone()
	if !reflect.DeepEqual(m, c) {
		t.Fatal("the clone differs from the original")
	}
	cv := reflect.ValueOf(c)
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer:
			if f.UnsafePointer() == cv.Field(i).UnsafePointer() {
				t.Errorf("%s is shared between a client's metadata and its clone", v.Type().Field(i).Name)
			}
		}
	}
}

func fill(t *testing.T, f reflect.Value, name string) {
	switch f.Kind() {
	case reflect.String:
		f.SetString("x")
	case reflect.Bool:
		f.SetBool(true)
	case reflect.Int64:
		f.SetInt(7)
	case reflect.Slice:
		f.Set(reflect.MakeSlice(f.Type(), 2, 4))
		for j := range 2 {
			fill(t, f.Index(j), name)
		}
	case reflect.Map:
		f.Set(reflect.MakeMap(f.Type()))
		f.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf("v"))
	case reflect.Pointer:
		f.Set(reflect.New(f.Type().Elem()))
		fill(t, f.Elem(), name)
	case reflect.Uint8:
		f.SetUint('x')
	default:
		t.Fatalf("field %s: kind %s has no filler; teach the test and Clone about it", name, f.Kind())
	}
}
